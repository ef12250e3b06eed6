import { ApiError, EXIT, UsageError } from '../support/cli-errors';
import type { Json } from '../support/api-client';
import { println } from '../support/cli-io';
import { Command, flag, str } from '../support/command';
import { printJson, Progress, resolveMailboxes, table } from '../support/output';

const JSON_OPTION = { json: { type: 'boolean' as const } };

export const testAccessCommand: Command = {
  name: 'test-access',
  summary: 'test incoming and outgoing access of mailboxes (exit 1 if any failed)',
  usage: 'mailrouter test-access (--all | MAILBOX…) [--json]',
  help: [
    'Connects and authenticates each mailbox in both directions (POST /api/v1/mailboxes/{id}/test-access)',
    'and prints a table. MAILBOX is an id or an address. Disabled mailboxes are skipped with --all.',
    'Progress goes to stderr (a bar on a terminal). Exit 1 when any test failed.',
    '',
    '      --all     every enabled mailbox',
    '      --json    print the results as JSON',
  ].join('\n'),
  options: { all: { type: 'boolean' }, ...JSON_OPTION },
  allowPositionals: true,
  async run(args, { io, api }) {
    const client = api();
    const all = flag(args, 'all');
    if (all === (args.positionals.length > 0)) throw new UsageError(`give --all or mailboxes, not both or neither\nusage: ${testAccessCommand.usage}`);
    const mailboxes = all ? (await client.get<Json[]>('/api/v1/mailboxes')).filter((m) => m.enabled !== false) : await resolveMailboxes(client, args.positionals);
    const progress = new Progress(io.stderr, mailboxes.length, 'tested');
    const results: { mailbox: Json; incoming?: Json; outgoing?: Json; error?: string }[] = [];
    for (const m of mailboxes) {
      try {
        const r = await client.post<Json>(`/api/v1/mailboxes/${String(m.id)}/test-access`);
        results.push({ mailbox: m, incoming: r.incoming as Json, outgoing: r.outgoing as Json });
        progress.step(String(m.address), `incoming ${String((r.incoming as Json).status)}, outgoing ${String((r.outgoing as Json).status)}`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        results.push({ mailbox: m, error: err.message });
        progress.step(String(m.address), `error: ${err.message}`);
      }
    }
    const failed = results.filter((r) => r.error || r.incoming?.status === 'failure' || r.outgoing?.status === 'failure');
    if (flag(args, 'json')) {
      printJson(io, results.map((r) => ({ mailboxId: r.mailbox.id, address: r.mailbox.address, incoming: r.incoming, outgoing: r.outgoing, error: r.error })));
    } else {
      const cell = (t?: Json) => (t ? `${String(t.status)}${t.status === 'failure' ? `: ${String(t.message)}` : ''}` : '');
      println(io.stdout, table(['MAILBOX', 'KIND', 'INCOMING', 'OUTGOING'], results.map((r) => [String(r.mailbox.address), String(r.mailbox.kind), r.error ?? cell(r.incoming), r.error ? '' : cell(r.outgoing)])));
      println(io.stdout, `${results.length - failed.length} of ${results.length} mailbox(es) passed`);
    }
    return failed.length ? EXIT.failed : EXIT.ok;
  },
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'what the running incoming service knows of mailboxes (last poll, errors, counts)',
  usage: 'mailrouter status [MAILBOX…] [--json]',
  help: 'Without MAILBOX: every mailbox. Exit 1 when the incoming service did not answer for some.\n\n      --json    print the answers as JSON',
  options: JSON_OPTION,
  allowPositionals: true,
  async run(args, { io, api }) {
    const client = api();
    const mailboxes = args.positionals.length ? await resolveMailboxes(client, args.positionals) : await client.get<Json[]>('/api/v1/mailboxes');
    const rows: { mailbox: Json; status?: Json; error?: string }[] = [];
    for (const m of mailboxes) {
      try {
        rows.push({ mailbox: m, status: await client.get<Json>(`/api/v1/mailboxes/${String(m.id)}/status`) });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        rows.push({ mailbox: m, error: err.message });
      }
    }
    if (flag(args, 'json')) printJson(io, rows.map((r) => r.status ?? { mailboxId: r.mailbox.id, address: r.mailbox.address, error: r.error }));
    else {
      println(io.stdout, table(
        ['MAILBOX', 'ACTIVE', 'LAST POLL', 'FAILURES', 'TRACKED', 'AWAITING', 'LAST ERROR'],
        rows.map(({ mailbox, status, error }) => {
          const inc = (status?.incoming ?? {}) as Json;
          const msgs = (inc.messages ?? {}) as Json;
          return [String(mailbox.address), error ? '?' : inc.active ? 'yes' : 'no', String(inc.lastPollAt ?? '-'), String(inc.consecutiveFailures ?? '-'),
            String(msgs.tracked ?? '-'), String(msgs.awaitingVerdict ?? '-'), error ?? String(inc.lastError ?? '')];
        }),
      ));
    }
    return rows.some((r) => r.error) ? EXIT.failed : EXIT.ok;
  },
};

export const rulesCommand = (action: 'deploy' | 'remove'): Command => ({
  name: `rules ${action}`,
  summary: action === 'deploy' ? 'deploy the forward rule on mailboxes (forwards their mail to a forward mailbox)' : 'remove the forward rule from mailboxes',
  usage: `mailrouter rules ${action} --forward MAILBOX (--all | MAILBOX…) [--json]`,
  help: [
    'Calls POST /api/v1/mailboxes/rules/deploy. MAILBOX is an id or an address. Exit 1 if any failed.',
    '',
    '      --forward MAILBOX   the forward mailbox the rules send to (required)',
    '      --all               every user and queue mailbox of the forward mailbox\'s deployment',
    '      --json              print the API\'s answer as JSON',
  ].join('\n'),
  options: { forward: { type: 'string' }, all: { type: 'boolean' }, ...JSON_OPTION },
  allowPositionals: true,
  async run(args, { io, api }) {
    const forward = str(args, 'forward');
    const all = flag(args, 'all');
    if (!forward || all === (args.positionals.length > 0)) throw new UsageError(`--forward and either --all or mailboxes are required\nusage: mailrouter rules ${action} --forward MAILBOX (--all | MAILBOX…)`);
    const client = api();
    const [fwd, ...chosen] = await resolveMailboxes(client, [forward, ...args.positionals]);
    const answer = await client.post<Json>('/api/v1/mailboxes/rules/deploy', {
      forwardMailboxId: fwd.id, action, ...(all ? { all: true } : { mailboxIds: chosen.map((m) => m.id) }),
    });
    const results = (answer.results ?? []) as Json[];
    if (flag(args, 'json')) printJson(io, answer);
    else {
      println(io.stdout, table(['MAILBOX', 'VIA', 'CHANGE', 'MESSAGE'], results.map((r) => [String(r.address), String(r.via ?? '-'), String(r.change), String(r.message ?? '')])));
      const summary = (answer.summary ?? {}) as Record<string, number>;
      println(io.stdout, Object.entries(summary).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'no mailboxes');
    }
    return results.some((r) => r.change === 'failed') ? EXIT.failed : EXIT.ok;
  },
});
