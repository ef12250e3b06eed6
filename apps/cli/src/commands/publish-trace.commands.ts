import type { Json } from '../support/api-client';
import { EXIT, UsageError } from '../support/cli-errors';
import { println } from '../support/cli-io';
import { Command, flag, str } from '../support/command';
import { printJson } from '../support/output';

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish the configuration: the services switch to it without restart',
  usage: 'mailrouter publish [-m COMMENT] [--json]',
  help: '  -m, --message COMMENT   a comment kept with the version\n      --json              print the new version as JSON',
  options: { message: { type: 'string', short: 'm' }, json: { type: 'boolean' } },
  allowPositionals: false,
  async run(args, { io, api }) {
    const comment = str(args, 'message');
    const version = await api().post<Json>('/api/v1/publish', comment ? { comment } : {});
    if (flag(args, 'json')) printJson(io, version);
    else println(io.stdout, `published version ${String(version.version)} (${String(version.mailboxes)} mailbox(es)) at ${String(version.publishedAt)}${version.comment ? `: ${String(version.comment)}` : ''}`);
    return EXIT.ok;
  },
};

export const traceCommand: Command = {
  name: 'trace',
  summary: 'why a message was (not) tracked or sent',
  usage: 'mailrouter trace MESSAGE-ID [--json]',
  help: 'Asks GET /api/v1/trace/{messageId} (crm-sync and incoming at once) and explains each item.\nExit 1 when nothing is known of the message.\n\n      --json    print the API\'s answer as JSON',
  options: { json: { type: 'boolean' } },
  allowPositionals: true,
  async run(args, { io, api }) {
    if (args.positionals.length !== 1) throw new UsageError('one MESSAGE-ID is required\nusage: mailrouter trace MESSAGE-ID');
    const answer = await api().get<Json>(`/api/v1/trace/${encodeURIComponent(args.positionals[0])}`);
    if (flag(args, 'json')) printJson(io, answer);
    else for (const line of describeTrace(answer)) println(io.stdout, line);
    return ((answer.items ?? []) as Json[]).length ? EXIT.ok : EXIT.failed;
  },
};

/** The trace answer (docs/api.md, Trace) as sentences an admin reads. */
export function describeTrace(answer: Json): string[] {
  const items = (answer.items ?? []) as Json[];
  const lines: string[] = [];
  if (!items.length) lines.push('nothing is known of this message (not received by a published mailbox, nor sent from the CRM)');
  for (const it of items) {
    lines.push(`${String(it.direction).toUpperCase()} ${String(it.messageId ?? '')}  "${String(it.subject ?? '')}"`);
    lines.push(`  from ${String(it.from ?? '?')} to ${((it.to ?? []) as string[]).join(', ') || '?'}`);
    if (it.direction === 'incoming') {
      const mb = (it.mailbox ?? {}) as Json;
      lines.push(`  received ${String(it.receivedAt ?? '?')} in ${String(mb.kind ?? '')} mailbox ${String(mb.address ?? '?')}; stage: ${String(it.stage)}`);
      const v = it.verdict as Json | undefined;
      if (v) {
        const corr = v.correlation as Json | undefined;
        lines.push(`  verdict: ${String(v.outcome)} (${String(v.reason)})${v.reasonText ? ` — ${String(v.reasonText)}` : ''}${corr ? `; correlated by ${String(corr.rule)} to activity ${String(corr.activityId)}` : ''}`);
      } else lines.push('  verdict: none yet (the CRM has not decided, or crm-sync did not answer)');
      if (it.activityId) lines.push(`  activity: ${String(it.activityId)}`);
      for (const p of (it.parties ?? []) as Json[]) lines.push(`  party ${String(p.role)} ${String(p.address)} → ${p.recordType ? `${String(p.recordType)} ${String(p.recordId)}` : 'unresolved'}`);
      const server = it.server as Json | undefined;
      if (server) lines.push(`  on the mail server: ${String(server.state)}${server.tooLarge ? ' (too large, never fetched)' : ''}${server.settledAt ? ` at ${String(server.settledAt)}` : ''}`);
    } else {
      lines.push(`  status: ${String(it.status)} after ${String(it.deliveryAttempts ?? 0)} attempt(s)${it.sentAt ? ` at ${String(it.sentAt)}` : ''}${it.failureReason ? ` — ${String(it.failureReason)}` : ''}`);
    }
  }
  if (answer.partial) {
    lines.push(`PARTIAL: ${((answer.missing ?? []) as string[]).join(', ')} did not answer`);
    for (const p of (answer.problems ?? []) as Json[]) lines.push(`  ${String(p.service)}: ${String(p.message)}`);
  }
  return lines;
}
