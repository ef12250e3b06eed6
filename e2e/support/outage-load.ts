/**
 * Load for the outage tests (NATS, PostgreSQL): many messages into the test Dovecot's IMAP
 * mailboxes and many emails to send into an SmtpSink, then the exactly-once accounting of what
 * came out — activities per received message, copies per sent email, quarantined records.
 */
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { Client } from 'pg';
import { AppName, buildMime, imapClient, MailUser, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './router';
import { emailsFor, EmailView, World } from './demo-world';

/** How long duplicates that a redelivery would create get to show up before the final count. */
export const SETTLE_MS = 3_000;

export interface Batch {
  tag: string;
  /** Subject of every message put in a mailbox, per CRM user id. */
  incoming: Map<string, string[]>;
  /** Outgoing email ids → the one recipient each was addressed to. */
  outgoing: Map<string, string>;
}

/** Appends `perUser` messages to each user's INBOX (one IMAP session per user, users in parallel). */
export async function fillMailboxes(world: World, tag: string, perUser: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(Object.values(world.users).map(async (u) => {
    const subjects: string[] = [];
    const client = imapClient(u.mail as MailUser);
    await client.connect();
    try {
      for (let i = 0; i < perUser; i++) {
        const subject = `${tag} ${u.mail.username} #${i}`;
        // A different sender each: many from one sender would (rightly) trip the loop guard.
        const raw = await buildMime({
          from: `${tag}-${i}-${u.mail.username}@customers.test`, to: u.mail.address, subject,
          messageId: `<${tag}-${i}-${u.mail.username}@customers.test>`, text: `message ${i} of ${tag}`,
        });
        await client.append('INBOX', raw);
        subjects.push(subject);
      }
    } finally {
      await client.logout();
    }
    out.set(u.crm.id, subjects);
  }));
  return out;
}

/** Composes `count` emails to send (round robin over the users), each to a recipient of its own. */
export async function composeEmails(router: RouterUnderTest, world: World, tag: string, count: number): Promise<Map<string, string>> {
  const users = Object.values(world.users);
  const out = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const to = `${tag}-customer${i}@contoso.test`;
    const e = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: users[i % users.length].crm.id, to: [to], subject: `${tag} invoice ${i}`, text: 'x', send: true,
    }, 201);
    out.set(e.id, to);
  }
  return out;
}

export async function trackedCount(router: RouterUnderTest, batch: Batch): Promise<number> {
  let n = 0;
  for (const [ownerId, subjects] of batch.incoming) {
    const wanted = new Set(subjects);
    n += (await emailsFor(router, { direction: 'incoming', ownerId })).filter((e) => wanted.has(e.subject)).length;
  }
  return n;
}

export interface IncomingTally { expected: number; tracked: number; missing: number; duplicates: number }

/** Waits until every message of the batch is tracked, lets duplicates show up, then counts. */
export async function tallyIncoming(router: RouterUnderTest, batch: Batch, timeoutMs: number): Promise<IncomingTally> {
  const expected = [...batch.incoming.values()].reduce((n, s) => n + s.length, 0);
  await waitFor(`${expected} messages of ${batch.tag} tracked`, async () => (await trackedCount(router, batch)) >= expected, timeoutMs, 1000)
    .catch(() => undefined); // a shortfall is reported by the counts below, not a timeout message
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  let tracked = 0;
  let missing = 0;
  let duplicates = 0;
  for (const [ownerId, subjects] of batch.incoming) {
    const bySubject = new Map<string, number>();
    for (const e of await emailsFor(router, { direction: 'incoming', ownerId })) bySubject.set(e.subject, (bySubject.get(e.subject) ?? 0) + 1);
    for (const s of subjects) {
      const n = bySubject.get(s) ?? 0;
      tracked += Math.min(n, 1);
      if (n === 0) missing++;
      duplicates += Math.max(0, n - 1);
    }
  }
  return { expected, tracked, missing, duplicates };
}

export interface OutgoingTally {
  expected: number;
  sent: number;
  failed: number;
  stuck: number;
  /** Second SMTP copies of an email, each carrying the same Message-ID as the first. */
  detectableDuplicates: number;
  /** Copies of one email under different Message-IDs: a duplicate nobody can detect. */
  silentDuplicates: number;
}

/** Waits until every email of the batch is sent (or failed), then counts the SMTP copies per email. */
export async function tallyOutgoing(router: RouterUnderTest, sink: SmtpSink, batch: Batch, timeoutMs: number): Promise<OutgoingTally> {
  const ids = [...batch.outgoing.keys()];
  const states = async () => Promise.all(ids.map((id) => router.call<EmailView>('GET', `/crm/v1/emails/${id}`)));
  await waitFor(`${ids.length} emails of ${batch.tag} settled`, async () => (await states()).every((e) => e.status === 'sent' || e.status === 'failed'), timeoutMs, 1000)
    .catch(() => undefined);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const final = await states();
  let detectableDuplicates = 0;
  let silentDuplicates = 0;
  for (const email of final) {
    const to = batch.outgoing.get(email.id)!;
    const copies = sink.accepted.filter((m) => m.to.includes(to));
    const messageIds = new Set(await Promise.all(copies.map(async (c) => (await simpleParser(c.raw)).messageId)));
    detectableDuplicates += Math.max(0, copies.length - messageIds.size);
    silentDuplicates += Math.max(0, messageIds.size - 1);
  }
  return {
    expected: ids.length,
    sent: final.filter((e) => e.status === 'sent').length,
    failed: final.filter((e) => e.status === 'failed').length,
    stuck: final.filter((e) => e.status !== 'sent' && e.status !== 'failed').length,
    detectableDuplicates,
    silentDuplicates,
  };
}

/** Rows in every app's quarantine table (messages that exhausted their attempts or can never succeed). */
export async function quarantinedCount(databaseUrl: string): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ table_schema: string; table_name: string }>(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('quarantine', 'quarantined_event') AND table_type = 'BASE TABLE'",
    );
    let n = 0;
    for (const r of rows) {
      const res = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${r.table_schema}"."${r.table_name}"`);
      n += Number(res.rows[0].n);
    }
    return n;
  } finally {
    await c.end();
  }
}

/** The services whose process is gone (a service must ride out an outage, not exit). */
export function exitedServices(router: RouterUnderTest): string[] {
  return [...router.services.entries()].filter(([, s]) => {
    if (!s.pid) return true;
    try {
      process.kill(s.pid, 0);
      return false;
    } catch {
      return true;
    }
  }).map(([app]) => app);
}

/** Lines of a service's log (its current process) that match `pattern`, colours stripped. */
export function logLinesMatching(router: RouterUnderTest, app: AppName, pattern: RegExp): string[] {
  const svc = router.services.get(app);
  if (!svc) return [];
  const text = readFileSync(svc.logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  return text.split('\n').filter((l) => pattern.test(l));
}
