import { Logger } from '@nestjs/common';
import type { AttemptOutcome } from './send-log.repository';

/**
 * Most outcomes kept at once. One entry per email whose result could not be written; in an
 * outage that is at most the sends in flight (SEND_CONCURRENCY), so the bound only matters for
 * entries whose command never comes back to this process (another replica took it).
 */
export const MAX_UNRECORDED_OUTCOMES = 10_000;

/** What the server answered to one attempt, when the send log could not be told. */
export type UnrecordedOutcome =
  /** Final: sent (the server's 250) or failed. Recorded instead of sending again. */
  | { kind: 'settled'; attempts: number; messageId: string; outcome: AttemptOutcome }
  /** Retry later (4xx, or a drop without a reply): the attempt's release is recorded, then the retry waits its backoff. */
  | { kind: 'retry'; attempts: number; messageId: string; response: string; deliveryUnknown: boolean };

/**
 * Attempt outcomes this process knows but could not record in the send log (PostgreSQL went
 * away between the server's reply and the write), keyed by email id. The consumer re-runs the
 * command while the database is away (and redelivers it here afterwards): the re-run records the
 * kept outcome instead of talking to the server again. The attempt number is kept with it, so
 * an outcome is only recorded for the attempt that produced it.
 *
 * Memory only: another replica or a restarted process cannot know it, and sends again flagged
 * possible duplicate (ADR 0003). Bounded: past MAX_UNRECORDED_OUTCOMES the oldest is dropped.
 * Provided with a factory (app.module.ts): one per process, shared by every consumer run.
 */
export class UnrecordedOutcomes {
  private readonly log = new Logger(UnrecordedOutcomes.name);
  private readonly byEmail = new Map<string, UnrecordedOutcome>();

  constructor(private readonly max = MAX_UNRECORDED_OUTCOMES) {}

  remember(emailId: string, outcome: UnrecordedOutcome): void {
    // Re-inserted at the end: the Map's order is the eviction order (oldest first).
    this.byEmail.delete(emailId);
    this.byEmail.set(emailId, outcome);
    while (this.byEmail.size > this.max) {
      const [oldest, dropped] = this.byEmail.entries().next().value as [string, UnrecordedOutcome];
      this.byEmail.delete(oldest);
      this.log.warn(`forgot the unrecorded outcome of email ${oldest} (attempt ${dropped.attempts}, ${dropped.messageId}): more than ${this.max} kept; a later delivery sends it again, flagged possible duplicate`);
    }
  }

  get(emailId: string): UnrecordedOutcome | undefined {
    return this.byEmail.get(emailId);
  }

  /** Dropped once recorded (or once the send log shows the attempt is no longer ours to record). */
  forget(emailId: string): void {
    this.byEmail.delete(emailId);
  }

  get size(): number {
    return this.byEmail.size;
  }
}
