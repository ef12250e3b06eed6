import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SendLogEntity } from './send-log.entity';

/** What `beginAttempt` found. */
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
   * Writes `sending` + attempts + 1 and a lease BEFORE anyone talks to SMTP, atomically: of
   * several replicas holding a command for the same email, one gets the claim. A row still
   * `sending` whose lease ran out was left by a process that died mid-send: the claim
   * succeeds and flags the email as a possible duplicate.
   */
  async beginAttempt(emailId: string, messageId: string, leaseMs: number): Promise<AttemptClaim> {
    const rows = (await this.repo.query(
      `INSERT INTO ${this.table} AS log
         (email_id, message_id, state, attempts, possible_duplicate, attempt_lease_until, first_attempt_at)
       VALUES ($1, $2, 'sending', 1, false, now() + $3 * interval '1 millisecond', now())
       ON CONFLICT (email_id) DO UPDATE SET
         attempts = log.attempts + 1,
         possible_duplicate = log.possible_duplicate OR log.attempt_lease_until IS NOT NULL,
         attempt_lease_until = EXCLUDED.attempt_lease_until
       WHERE log.state = 'sending' AND (log.attempt_lease_until IS NULL OR log.attempt_lease_until <= now())
       RETURNING attempts, possible_duplicate, message_id`,
      [emailId, messageId, leaseMs],
    )) as ClaimedRow[];
    const claimed = rows[0];
    if (claimed) {
      return {
        kind: 'claimed',
        attempts: claimed.attempts,
        possibleDuplicate: claimed.possible_duplicate,
        messageId: claimed.message_id,
      };
    }
    const row = await this.find(emailId);
    if (!row) throw new Error(`send_log row of ${emailId} vanished`);
    if (row.state !== 'sending') return { kind: 'final', row };
    const leaseLeftMs = row.attemptLeaseUntil ? Math.max(0, row.attemptLeaseUntil.getTime() - Date.now()) : 0;
    return { kind: 'busy', leaseLeftMs };
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
