import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IdIndex, executePlan } from '../config/config-apply';
import { liveDocument } from '../config/config-document';
import { exportYaml, fetchLive } from '../config/config-export';
import { readConfigFile, resolveSecrets } from '../config/config-file';
import { formatPlan, planChanges } from '../config/config-plan';
import { EXIT, UsageError } from '../support/cli-errors';
import { println } from '../support/cli-io';
import { Command, flag, str } from '../support/command';

export const configExportCommand: Command = {
  name: 'config export',
  summary: 'write the configuration (profiles, deployments, mailboxes) as YAML, secrets as references',
  usage: 'mailrouter config export [-o FILE]',
  help: [
    'Writes profiles, deployments (CRM and tracking settings, default profiles by name) and',
    'mailboxes (profiles and deployment by name) as YAML, in a stable order. Secrets are never',
    'written: each becomes `<field>From: { env: NAME }`; the header lists the variables to set.',
    '',
    '  -o, --output FILE   write to FILE instead of standard output',
  ].join('\n'),
  options: { output: { type: 'string', short: 'o' } },
  allowPositionals: false,
  async run(args, { io, api }) {
    const client = api();
    const live = await fetchLive(client);
    const { yaml, secrets } = exportYaml(live, client.baseUrl);
    const out = str(args, 'output');
    if (out) {
      writeFileSync(resolve(io.cwd, out), yaml);
      println(io.stderr, `wrote ${out}: ${live.profiles.length} profile(s), ${live.deployments.length} deployment(s), ${live.mailboxes.length} mailbox(es); ${secrets.length} secret reference(s) listed in its header`);
    } else io.stdout.write(yaml);
    return EXIT.ok;
  },
};

export const configApplyCommand: Command = {
  name: 'config apply',
  summary: 'make the live configuration match a YAML file (diff, then create/update/delete)',
  usage: 'mailrouter config apply -f FILE [--dry-run] [--prune] [--update-secrets]',
  help: [
    'Reads FILE (as written by `config export`), resolves its secret references (environment',
    'variables, or files relative to FILE), compares it with the live configuration by natural',
    'keys (profile name, deployment name, mailbox deployment + address), prints the difference',
    'and applies it: profiles, then deployments, then mailboxes; deletions last, in reverse.',
    'Fields the file leaves out are left as they are. Applying the same file again changes nothing.',
    'The result is a draft: run `mailrouter publish` to put it into service.',
    '',
    '  -f, --file FILE      the configuration file (required)',
    '      --dry-run        print the difference only; change nothing',
    '      --prune          delete live profiles, deployments and mailboxes the file does not list',
    '      --update-secrets send every referenced secret again, also where one is already set',
    '                       (the API never shows secrets, so apply cannot see whether they differ)',
  ].join('\n'),
  options: {
    file: { type: 'string', short: 'f' },
    'dry-run': { type: 'boolean' },
    prune: { type: 'boolean' },
    'update-secrets': { type: 'boolean' },
  },
  allowPositionals: false,
  async run(args, { io, api }) {
    const file = str(args, 'file');
    if (!file) throw new UsageError(`-f FILE is required\nusage: ${configApplyCommand.usage}`);
    const { doc, baseDir } = readConfigFile(file, io.cwd);
    const resolveSecret = resolveSecrets(doc, io.env, baseDir);
    const client = api();
    const live = await fetchLive(client);
    const plan = planChanges(doc, liveDocument(live), { prune: flag(args, 'prune'), updateSecrets: flag(args, 'update-secrets') });
    const dryRun = flag(args, 'dry-run');
    for (const line of formatPlan(plan)) println(io.stdout, line);
    if (!plan.items.length) {
      println(io.stdout, `no changes (${plan.unchanged} item(s) already as in ${file})`);
      return EXIT.ok;
    }
    const count = (a: string) => plan.items.filter((i) => i.action === a).length;
    const summary = `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${plan.unchanged} unchanged`;
    if (dryRun) {
      println(io.stdout, `dry run: ${summary}; nothing was changed`);
      return EXIT.ok;
    }
    println(io.stdout, `applying: ${summary}`);
    const result = await executePlan(client, plan, new IdIndex(live), resolveSecret, (line) => println(io.stdout, line));
    if (result.failed) {
      const notRun = plan.items.length - result.done.length;
      println(io.stderr, `apply stopped at the first failure; ${result.done.filter((d) => d.ok).length} step(s) done, ${notRun} not run`);
      return EXIT.failed;
    }
    println(io.stdout, `applied ${plan.items.length} change(s); not published yet (mailrouter publish)`);
    return EXIT.ok;
  },
};
