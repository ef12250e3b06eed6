import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { executePlan, IdIndex } from '../config/config-apply';
import { ConfigDocument, isPlainObject, liveDocument } from '../config/config-document';
import { DOCUMENT_VERSION, fetchLive, toYaml } from '../config/config-export';
import { resolveSecrets } from '../config/config-file';
import { formatPlan, planChanges } from '../config/config-plan';
import { LegacyImport, mapLegacy } from '../legacy/legacy-mapping';
import { parseXml } from '../legacy/legacy-xml';
import { EXIT, UsageError } from '../support/cli-errors';
import { CliIo, println } from '../support/cli-io';
import { Command, flag, str } from '../support/command';

export const importLegacyCommand: Command = {
  name: 'import-legacy',
  summary: 'import an E-mail Router configuration (Microsoft.Crm.Tools.EmailAgent.xml) as a draft',
  usage: 'mailrouter import-legacy FILE.xml [--dry-run] [-o DRAFT.yaml] [--json]',
  help: [
    'Reads the Dynamics CRM E-mail Router\'s configuration file and creates what maps onto',
    'MailRouter: incoming/outgoing profiles (POP3, SMTP, Exchange 2010+ as EWS), deployments',
    '(default profiles), users, queues and forward mailboxes. Nothing is published.',
    'Every element or setting that could not be mapped is listed with the reason.',
    'Passwords are encrypted in the original file and cannot be read: set the environment',
    'variables the report names (MAILROUTER_SECRET_…) and run again to supply them.',
    'Running it again creates only what is missing (same diff as `config apply`, never deletes).',
    '',
    '      --dry-run        report and print the plan; change nothing',
    '  -o, --output FILE    also write the mapped draft as a configuration file (for `config apply`)',
    '      --json           print the report as JSON ({ plan, unmapped, secrets })',
  ].join('\n'),
  options: { 'dry-run': { type: 'boolean' }, output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(args, { io, api }) {
    if (args.positionals.length !== 1) throw new UsageError(`one FILE.xml is required\nusage: ${importLegacyCommand.usage}`);
    const file = args.positionals[0];
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, file), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const imported = mapLegacy(parseXml(text, file));
    const doc = withAvailableSecrets(imported, io.env);
    const out = str(args, 'output');
    if (out) writeFileSync(resolve(io.cwd, out), toYaml({ apiVersion: DOCUMENT_VERSION, kind: 'Configuration', ...doc }));
    const client = api();
    const live = await fetchLive(client);
    const plan = planChanges(doc, liveDocument(live), { prune: false, updateSecrets: false });
    const json = flag(args, 'json');
    const dryRun = flag(args, 'dry-run');
    if (!json) printReport(io, imported, formatPlan(plan));
    let failed = false;
    if (!dryRun && plan.items.length) {
      const result = await executePlan(client, plan, new IdIndex(live), resolveSecrets(doc, io.env, io.cwd), (l) => !json && println(io.stdout, l));
      failed = result.failed;
    }
    if (json) {
      io.stdout.write(`${JSON.stringify({ dryRun, plan: plan.items.map((p) => ({ action: p.action, kind: p.kind, label: p.label, changes: p.changes })), unmapped: imported.unmapped, secrets: imported.secretEnv }, null, 2)}\n`);
    } else {
      const verdict = dryRun ? 'dry run: nothing was changed' : failed ? 'import stopped at the first failure' : plan.items.length ? `imported as a draft (${plan.items.length} change(s)); review, test access, then mailrouter publish` : 'no changes: everything mappable is already there';
      println(io.stdout, verdict);
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};

/**
 * Keeps only the password references whose variables are set. A profile that needs its own
 * account's password cannot be created without it: it is left out (and what pointed at it).
 */
function withAvailableSecrets(imported: LegacyImport, env: CliIo['env']): ConfigDocument {
  const doc = imported.doc;
  const note = (at: string, reason: string) => imported.unmapped.push({ at, reason });
  const dropped = new Set<string>();
  for (const s of imported.secretEnv) {
    if (env[s.env]) continue;
    const encrypted = `encrypted in the original file (the router's machine key), so it cannot be read: set ${s.env} and run import-legacy again`;
    if (s.requiredFor) {
      note(s.requiredFor, `not created: its account's password is ${encrypted}`);
      dropped.add(s.requiredFor.replace(/^profile "|"$/g, ''));
    } else note(s.what, `not set: ${encrypted} (or PATCH the mailbox)`);
  }
  const strip = (item: Record<string, unknown>, label: string) => {
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) {
      if (k.endsWith('From') && isPlainObject(v) && typeof v.env === 'string' && !env[v.env]) continue;
      if (/Profile$/.test(k) && typeof v === 'string' && dropped.has(v)) {
        note(`${label} ${k} = ${v}`, 'that profile was not created (password missing); set later');
        continue;
      }
      kept[k] = v;
    }
    return kept;
  };
  return {
    profiles: doc.profiles.filter((p) => !dropped.has(String(p.name))).map((p) => strip(p, `profile "${String(p.name)}"`)),
    deployments: doc.deployments.map((d) => strip(d, `deployment "${String(d.name)}"`)),
    mailboxes: doc.mailboxes.map((m) => strip(m, `mailbox ${String(m.address)}`)),
  };
}

function printReport(io: CliIo, imported: LegacyImport, plan: string[]): void {
  println(io.stdout, 'Plan:');
  for (const line of plan.length ? plan : ['  (nothing to change)']) println(io.stdout, `  ${line}`);
  println(io.stdout, `Not mapped (${imported.unmapped.length}):`);
  for (const u of imported.unmapped) println(io.stdout, `  ! ${u.at}: ${u.reason}`);
}
