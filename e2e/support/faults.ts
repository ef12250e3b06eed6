import { createHash } from 'node:crypto';
import { normalizeMessageId } from '@mailrouter/domain';
import { AppName, buildMime, imapClient, MailUser, SunkMessage, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './router';
import { queryRouterDb } from './replicas';
import type { EmailView } from './demo-world';

/** mulberry32: a small seeded PRNG, so a failing round can be replayed with SEED=<n>. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SEED from the environment (to replay a run), else a fresh one. */
export function seedFromEnv(): number {
  const fromEnv = process.env.SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 0) throw new Error(`SEED must be a non-negative integer, got "${fromEnv}"`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

export const between = (rng: () => number, min: number, max: number): number => Math.floor(min + rng() * (max - min + 1));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Opens one after another: round r's load is released when the kill loop reaches round r. */
export class Gates {
  private readonly opened: boolean[];
  private readonly waiters = new Map<number, (() => void)[]>();

  constructor(count: number) {
    this.opened = Array.from({ length: count }, () => false);
  }

  open(i: number): void {
    this.opened[i] = true;
    for (const w of this.waiters.get(i) ?? []) w();
    this.waiters.delete(i);
  }

  openAll(): void {
    this.opened.forEach((_, i) => this.open(i));
  }

  wait(i: number): Promise<void> {
    if (this.opened[i]) return Promise.resolve();
    return new Promise((r) => this.waiters.set(i, [...(this.waiters.get(i) ?? []), r]));
  }
}

/** A promise with its resolve at hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export interface ExpectedAttachment { filename: string; size: number; sha256: string }

/** A message appended to a mailbox, with what its activity must carry. */
export interface LoadMessage {
  index: number;
  owner: number;
  messageId: string;
  raw: Buffer;
  attachments: ExpectedAttachment[];
}

/**
 * Message `index` for mailbox `owner`: from a sender of its own (the loop guard counts per
 * sender), with 1–3 attachments of distinct random content, so a lost or swapped attachment shows.
 */
export async function buildLoadMessage(rng: () => number, seed: number, index: number, owner: MailUser, ownerIndex: number): Promise<LoadMessage> {
  const count = between(rng, 1, 3);
  const files = Array.from({ length: count }, (_, k) => {
    const content = Buffer.from(Array.from({ length: between(rng, 64, 4096) }, () => Math.floor(rng() * 256)));
    return { filename: `m${index}-part${k + 1}.bin`, content, contentType: 'application/octet-stream' };
  });
  const messageId = `<load-${seed}-${index}@customers.test>`;
  const raw = await buildMime({
    from: `customer${index}@customers.test`, to: owner.address, subject: `Load ${index}`, messageId,
    text: `message ${index} of the SIGKILL rounds`, attachments: files,
  });
  return {
    index, owner: ownerIndex, messageId, raw,
    attachments: files.map((f) => ({ filename: f.filename, size: f.content.length, sha256: sha256(f.content) })),
  };
}

/** Appends messages to the user's INBOX over one IMAP connection (one per message is slow). */
export async function appendAll(user: MailUser, raws: Buffer[]): Promise<void> {
  const client = imapClient(user);
  await client.connect();
  try {
    for (const raw of raws) await client.append('INBOX', raw);
  } finally {
    await client.logout();
  }
}

/**
 * POST /crm/v1/emails with send: true, as a client would while crm-sync may be dead: a request
 * that failed may still have been committed (the answer was lost), so before trying again the
 * client looks for the email by its unique subject instead of composing it twice.
 */
export async function composeSurvivingCrashes(router: RouterUnderTest, fromUserId: string, to: string, subject: string): Promise<string> {
  return waitFor(`email "${subject}" composed`, async () => {
    try {
      const e = await router.call<EmailView>('POST', '/crm/v1/emails', { fromUserId, to: [to], subject, text: `${subject} body`, send: true }, 201);
      return e.id;
    } catch {
      await sleep(300);
      const found = await queryRouterDb<{ id: string }>(router, `SELECT id FROM crm.email WHERE direction = 'outgoing' AND subject = $1`, [subject]);
      return found[0]?.id;
    }
  }, 180_000, 200);
}

export interface KillPlan {
  rounds: number;
  order: AppName[];
  /** Work flows this long (ms, random within) after a round's load is released before the kill. */
  beforeKillMs: [number, number];
  /** The service stays dead this long (ms, random within) before it is restarted. */
  deadMs: [number, number];
  /** Optional: a round that should kill just after some event waits for it, then randomly within `withinMs`. */
  killWhen?: (app: AppName, round: number) => { after: Promise<unknown>; withinMs: [number, number] } | undefined;
}

/**
 * Kills each service in turn (SIGKILL: no shutdown hook) at a random point of its round and
 * restarts it after a random pause; round r's load is released just before its wait starts.
 */
export async function runKillRounds(router: RouterUnderTest, rng: () => number, plan: KillPlan, gates: Gates): Promise<Record<string, number>> {
  const kills: Record<string, number> = Object.fromEntries(plan.order.map((a) => [a, 0]));
  for (let r = 0; r < plan.rounds; r++) {
    const app = plan.order[r % plan.order.length];
    gates.open(r);
    const when = plan.killWhen?.(app, r);
    if (when) await when.after;
    await sleep(between(rng, ...(when?.withinMs ?? plan.beforeKillMs)));
    await router.service(app).kill('SIGKILL');
    kills[app]++;
    await sleep(between(rng, ...plan.deadMs));
    // startApp waits for /health/ready: a service that does not come back fails the test here.
    await router.startApp(app);
  }
  return kills;
}

/** One incoming activity of the built-in CRM with its attachments, from the database. */
export interface ActivityRow {
  id: string;
  message_id: string;
  owner_id: string;
  attachments: ExpectedAttachment[] | null;
}

export async function incomingActivities(router: RouterUnderTest): Promise<ActivityRow[]> {
  return queryRouterDb<ActivityRow>(router, `
    SELECT e.id, e.message_id, e.owner_id,
           json_agg(json_build_object('filename', a.filename, 'size', a.size, 'sha256', encode(sha256(a.content), 'hex')))
             FILTER (WHERE a.id IS NOT NULL) AS attachments
      FROM crm.email e LEFT JOIN crm.attachment a ON a.email_id = e.id
     WHERE e.direction = 'incoming'
     GROUP BY e.id`);
}

export interface OutgoingRow {
  id: string; subject: string; status: string; message_id: string | null; failure_reason: string | null;
  /** How often crm-sync claimed it: more than once when a claimer died (or its lease ran out). */
  claim_count: number;
}

export async function outgoingEmails(router: RouterUnderTest): Promise<OutgoingRow[]> {
  return queryRouterDb<OutgoingRow>(router, `SELECT id, subject, status, message_id, failure_reason, claim_count FROM crm.email WHERE direction = 'outgoing'`);
}

/** Emails outgoing's idempotency log flagged: an attempt died mid-send and the email went again. */
export async function possibleDuplicates(router: RouterUnderTest): Promise<Set<string>> {
  const rows = await queryRouterDb<{ email_id: string }>(router, 'SELECT email_id FROM outgoing.send_log WHERE possible_duplicate');
  return new Set(rows.map((r) => r.email_id));
}

/** The Message-ID header of a message the sink accepted (normalised like the CRM stores it). */
export function sunkMessageId(m: SunkMessage): string | undefined {
  const head = m.raw.subarray(0, Math.max(0, m.raw.indexOf('\r\n\r\n'))).toString('utf8');
  const found = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
  return normalizeMessageId(found?.[1]);
}

/** Accepted copies per Message-ID. */
export function copiesByMessageId(accepted: SunkMessage[]): Map<string, SunkMessage[]> {
  const by = new Map<string, SunkMessage[]>();
  for (const m of accepted) {
    const id = sunkMessageId(m) ?? '(none)';
    by.set(id, [...(by.get(id) ?? []), m]);
  }
  return by;
}
