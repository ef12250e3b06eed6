import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SendLogEntity } from './send-log.entity';

/** What `beginAttempts` found for an email. */
export type AttemptClaim =
  /** This process may talk to the server now; the row already says `sending` with attempts + 1. */
  | { kind: 'claimed'; attempts: number; possibleDuplicate: boolean; messageId: string }
  /** The email has a final outcome: report it again, never send again. */
  | { kind: 'final'; row: SendLogEntity }
  /** Another process is talking to the server for this email right now. */
  | { kind: 'busy'; leaseLeftMs: number };

export interface AttemptOutcome {
  state: 'sent' | 'failed';
  response: string | null;
  reason: string | null;
  /** This attempt's connection dropped without a reply: the server may hold a copy already. */
  possibleDuplicate?: boolean;
}

interface ClaimedRow {
  attempts: number;
  possible_duplicate: boolean;
  message_id: string;
}

interface SendLogRow {
  email_id: string;
  message_id: string;
  state: SendLogEntity['state'];
  attempts: number;
  last_response: string | null;
  reason: string | null;
  possible_duplicate: boolean;
  attempt_lease_until: Date | null;
  first_attempt_at: Date;
  completed_at: Date | null;
}

function toEntity(r: SendLogRow): SendLogEntity {
  return Object.assign(new SendLogEntity(), {
    emailId: r.email_id, messageId: r.message_id, state: r.state, attempts: r.attempts,
    lastResponse: r.last_response, reason: r.reason, possibleDuplicate: r.possible_duplicate,
    attemptLeaseUntil: r.attempt_lease_until, firstAttemptAt: r.first_attempt_at, completedAt: r.completed_at,
  });
}

/** The idempotency log (outgoing.send_log). Every state change is one atomic statement. */
@Injectable()
export class SendLogRepository {
  constructor(@InjectRepository(SendLogEntity) private readonly repo: Repository<SendLogEntity>) {}

  private get table(): string {
    const { schema, tableName } = this.repo.metadata;
    return schema ? `"${schema}"."${tableName}"` : `"${tableName}"`;
  }

  find(emailId: string): Promise<SendLogEntity | null> {
    return this.repo.findOneBy({ emailId });
  }

  /**
   * Writes `sending` + attempts + 1 and a lease BEFORE anyone talks to SMTP, atomically, for
   * several emails at once (the send commands handled at the same time): of several replicas
   * holding a command for the same email, one gets the claim. A row still `sending` whose lease
   * ran out was left by a process that died mid-send: the claim succeeds and flags the email as
   * a possible duplicate. One INSERT … ON CONFLICT over all of them, then one look-up of those not
   * claimed; an email named twice goes in a second statement (one statement may not claim the
   * same row twice).
   */
  async beginAttempts(items: { emailId: string; messageId: string; leaseMs: number }[]): Promise<AttemptClaim[]> {
    const out: AttemptClaim[] = new Array(items.length);
    let rest = items.map((item, i) => ({ item, i }));
    while (rest.length) {
      const seen = new Set<string>();
      const round = rest.filter(({ item }) => (seen.has(item.emailId) ? false : (seen.add(item.emailId), true)));
      rest = rest.filter((r) => !round.includes(r));
      const rows = (await this.repo.query(
        `INSERT INTO ${this.table} AS log
           (email_id, message_id, state, attempts, possible_duplicate, attempt_lease_until, first_attempt_at)
         SELECT v.email_id, v.message_id, 'sending', 1, false, now() + v.lease_ms * interval '1 millisecond', now()
           FROM unnest($1::text[], $2::text[], $3::int[]) AS v(email_id, message_id, lease_ms)
         ON CONFLICT (email_id) DO UPDATE SET
           attempts = log.attempts + 1,
           possible_duplicate = log.possible_duplicate OR log.attempt_lease_until IS NOT NULL,
           attempt_lease_until = EXCLUDED.attempt_lease_until
         WHERE log.state = 'sending' AND (log.attempt_lease_until IS NULL OR log.attempt_lease_until <= now())
         RETURNING email_id, attempts, possible_duplicate, message_id`,
        [round.map((r) => r.item.emailId), round.map((r) => r.item.messageId), round.map((r) => r.item.leaseMs)],
      )) as (ClaimedRow & { email_id: string })[];
      const claimed = new Map(rows.map((r) => [r.email_id, r]));
      const others = round.filter((r) => !claimed.has(r.item.emailId)).map((r) => r.item.emailId);
      const found = others.length ? await this.findMany(others) : new Map<string, SendLogEntity>();
      for (const { item, i } of round) {
        const c = claimed.get(item.emailId);
        if (c) {
          out[i] = { kind: 'claimed', attempts: c.attempts, possibleDuplicate: c.possible_duplicate, messageId: c.message_id };
          continue;
        }
        const row = found.get(item.emailId);
        if (!row) throw new Error(`send_log row of ${item.emailId} vanished`);
        if (row.state !== 'sending') out[i] = { kind: 'final', row };
        else out[i] = { kind: 'busy', leaseLeftMs: row.attemptLeaseUntil ? Math.max(0, row.attemptLeaseUntil.getTime() - Date.now()) : 0 };
      }
    }
    return out;
  }

  private async findMany(emailIds: string[]): Promise<Map<string, SendLogEntity>> {
    const rows = (await this.repo.query(`SELECT * FROM ${this.table} WHERE email_id = ANY($1::text[])`, [emailIds])) as SendLogRow[];
    return new Map(rows.map((r) => [r.email_id, toEntity(r)]));
  }

  /**
   * finish for several attempts at once, in one statement; each gets its row as written, or null
   * when another attempt took over (as finish).
   */
  async finishMany(items: { emailId: string; attempts: number; outcome: AttemptOutcome }[]): Promise<(SendLogEntity | null)[]> {
    if (items.length === 0) return [];
    const rows = (await this.repo.query(
      `UPDATE ${this.table} l SET state = v.state, last_response = v.response, reason = v.reason, attempt_lease_until = NULL, completed_at = now(),
         possible_duplicate = l.possible_duplicate OR v.dup
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS v(email_id, attempts, state, response, reason, dup)
       WHERE l.email_id = v.email_id AND l.state = 'sending' AND l.attempts = v.attempts
       RETURNING l.*`,
      [items.map((i) => i.emailId), items.map((i) => i.attempts), items.map((i) => i.outcome.state), items.map((i) => i.outcome.response),
        items.map((i) => i.outcome.reason), items.map((i) => i.outcome.possibleDuplicate ?? false)],
    )) as [SendLogRow[], number];
    const byKey = new Map(rows[0].map((r) => [`${r.email_id} ${r.attempts}`, toEntity(r)]));
    return items.map((i) => byKey.get(`${i.emailId} ${i.attempts}`) ?? null);
  }

  /** Records the final outcome of the attempt numbered `attempts` (ignored if another attempt took over). */
  async finish(emailId: string, attempts: number, outcome: AttemptOutcome): Promise<SendLogEntity | null> {
    // One statement: the update returns the row it wrote (no second SELECT).
    const rows = (await this.repo.query(
      `UPDATE ${this.table} SET state = $3, last_response = $4, reason = $5, attempt_lease_until = NULL, completed_at = now(),
         possible_duplicate = possible_duplicate OR $6
       WHERE email_id = $1 AND state = 'sending' AND attempts = $2
       RETURNING *`,
      [emailId, attempts, outcome.state, outcome.response, outcome.reason, outcome.possibleDuplicate ?? false],
    )) as [SendLogRow[], number];
    const row = rows[0][0];
    return row ? toEntity(row) : null;
  }

  /** Extends the lease of the running attempt numbered `attempts`. */
  async renewLease(emailId: string, attempts: number, leaseMs: number): Promise<void> {
    await this.repo.query(
      `UPDATE ${this.table} SET attempt_lease_until = now() + $3 * interval '1 millisecond'
       WHERE email_id = $1 AND state = 'sending' AND attempts = $2`,
      [emailId, attempts, leaseMs],
    );
  }

  /**
   * The attempt ended without a delivery the server confirmed (4xx, connection trouble): a later
   * attempt may go. `deliveryUnknown`: the connection went away with no reply, so the server may
   * have taken the message; the email stays flagged possible duplicate from now on.
   */
  async releaseAfterTransient(emailId: string, attempts: number, response: string, deliveryUnknown = false): Promise<void> {
    await this.repo.query(
      `UPDATE ${this.table} SET last_response = $3, attempt_lease_until = NULL, possible_duplicate = possible_duplicate OR $4
       WHERE email_id = $1 AND state = 'sending' AND attempts = $2`,
      [emailId, attempts, response, deliveryUnknown],
    );
  }

  /**
   * The email could not even be attempted (its mailbox is not in the configuration) and is
   * out of attempts: record it failed, unless it already has an outcome or an attempt is
   * running right now (that attempt reports; the returned row then still says `sending`).
   */
  async failUnattempted(emailId: string, messageId: string, reason: string): Promise<SendLogEntity> {
    await this.repo.query(
      `INSERT INTO ${this.table} AS log
         (email_id, message_id, state, attempts, reason, possible_duplicate, first_attempt_at, completed_at)
       VALUES ($1, $2, 'failed', 0, $3, false, now(), now())
       ON CONFLICT (email_id) DO UPDATE SET
         state = 'failed',
         reason = EXCLUDED.reason,
         completed_at = now(),
         -- an attempt that died mid-send may have been delivered after all
         possible_duplicate = log.possible_duplicate OR log.attempt_lease_until IS NOT NULL,
         attempt_lease_until = NULL
       WHERE log.state = 'sending' AND (log.attempt_lease_until IS NULL OR log.attempt_lease_until <= now())`,
      [emailId, messageId, reason],
    );
    const row = await this.find(emailId);
    if (!row) throw new Error(`send_log row of ${emailId} vanished`);
    return row;
  }
}
