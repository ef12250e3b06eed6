import { normalizeMessageId } from '@mailrouter/domain';
import { createMailUser, imapClient, MailUser } from '@mailrouter/testing';
import { BaselineDb } from './baselines/baseline-db';
import { PollingBaseline } from './baselines/latency-baseline';
import { BenchRouter } from './support/bench-router';
import { benchMessage } from './support/mail';
import { record } from './support/results';
import type { BenchSizes } from './support/scale';
import { percentile, round, sleep, until } from './support/stats';

interface Appended {
  messageId: string;
  at: number;
}

/** Appends `count` messages one by one at `perSecond`, on one IMAP connection; returns when each APPEND completed. */
async function appendSteadily(user: MailUser, from: string, count: number, perSecond: number, tag: string): Promise<Appended[]> {
  const client = imapClient(user);
  await client.connect();
  const out: Appended[] = [];
  try {
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const msg = await benchMessage('text-5k', from, user.address, `${tag}-${i}-${Date.now().toString(36)}`);
      await client.append('INBOX', msg.raw);
      out.push({ messageId: normalizeMessageId(msg.messageId)!, at: Date.now() });
    }
  } finally {
    await client.logout();
  }
  return out;
}

function summary(latenciesMs: number[]): Record<string, number> {
  return {
    samples: latenciesMs.length,
    p50Ms: Math.round(percentile(latenciesMs, 50)),
    p90Ms: Math.round(percentile(latenciesMs, 90)),
    p99Ms: Math.round(percentile(latenciesMs, 99)),
    maxMs: Math.round(Math.max(...latenciesMs)),
  };
}

/**
 * 3. Latency: messages appended one by one at a steady rate to a mailbox polled every
 * `latencyPollSeconds`; latency = the activity row's created_at − the APPEND's completion.
 * Baseline: a polling loop at the same interval (fetch → parse → insert).
 */
export async function latency(bench: BenchRouter, db: BaselineDb, sizes: BenchSizes): Promise<void> {
  const { latencyMessages: count, latencyPerSecond: rate, latencyPollSeconds: poll } = sizes;

  const baseUser = createMailUser('blatbase');
  const baseline = new PollingBaseline(baseUser, db, poll);
  baseline.start();
  const baseAppended = await appendSteadily(baseUser, bench.contactAddress, count, rate, 'latbase');
  await until(async () => baseline.createdAt.size >= count, 60_000 + poll * 2000, 100);
  await baseline.stop();
  const baseLat = baseAppended.filter((a) => baseline.createdAt.has(a.messageId)).map((a) => baseline.createdAt.get(a.messageId)! - a.at);

  const [mb] = await bench.addMailboxes(1, 'lat', poll);
  await bench.publish('bench latency');
  // Start measuring once the router polls the mailbox on its schedule.
  await until(async () => {
    const rows = await bench.query<{ ok: boolean }>(`SELECT last_success_at IS NOT NULL AS ok FROM incoming.mailbox_state WHERE mailbox_id = $1`, [mb.mailboxId]);
    return rows[0]?.ok === true;
  }, 60_000, 100);
  const appended = await appendSteadily(mb.mail, bench.contactAddress, count, rate, 'lat');
  const created = new Map<string, number>();
  await until(async () => {
    const rows = await bench.query<{ message_id: string; created_at: Date }>(
      `SELECT message_id, created_at FROM crm.email WHERE direction = 'incoming' AND owner_id = $1`, [mb.crmUserId]);
    for (const r of rows) created.set(normalizeMessageId(r.message_id)!, r.created_at.getTime());
    return created.size >= count;
  }, 60_000 + poll * 2000, 100);
  const routerLat = appended.filter((a) => created.has(a.messageId)).map((a) => created.get(a.messageId)! - a.at);
  if (routerLat.length < count) throw new Error(`latency: ${routerLat.length} of ${count} messages were tracked`);

  const r = summary(routerLat);
  const b = summary(baseLat);
  record({
    name: 'latency',
    what: `${count} messages appended at ${rate}/s to one IMAP mailbox polled every ${poll} s → activity exists`,
    figures: { pollIntervalSeconds: poll, ...r },
    baseline: { pollIntervalSeconds: poll, ...b, kind: 'a loop polling at the same interval: connect, fetch new UIDs, parse, insert, log out' },
    ratio: { value: round(r.p50Ms / b.p50Ms, 2), meaning: 'router p50 ÷ baseline p50 (lower is better); p99 ratio ' + round(r.p99Ms / b.p99Ms, 2) },
    notes: [
      'latency = created_at of the activity row (PostgreSQL clock) − completion of the IMAP APPEND (same machine clock)',
      'IMAP IDLE is on by default: a new message triggers a poll at once; with IMAP_IDLE=false the service polls only and p50 ≈ interval/2 + processing',
    ],
  }, sizes);
}
