import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SendCommandV1, SendResultV1 } from '@mailrouter/contracts';
import { backoffDelay } from '@mailrouter/domain';
import type { SendOutcome } from '@mailrouter/mail-adapters';
import { Coalescer, errorMessage, RetryLaterError, TransientError } from '@mailrouter/platform';
import { MailboxDirectoryRepository } from '../mailboxes/mailbox-directory.repository';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';
import { addressProblems, composeMessage, messageIdOf } from './compose-message';
import { MailTransportRepository } from './mail-transport.repository';
import type { SendLogEntity } from './send-log.entity';
import { SendLogRepository, type AttemptOutcome } from './send-log.repository';
import { SendResultsRepository } from './send-results.repository';
import { UnrecordedOutcomes, type UnrecordedOutcome } from './unrecorded-outcomes';

export interface Delivery {
  /** 1 on the first delivery of this command message. */
  deliveryCount: number;
  /** The consumer's safety limit: the delivery that reaches it must settle the email. */
  maxAttempts: number;
}

/**
 * Deliveries of a command beyond SEND_MAX_ATTEMPTS that the consumer allows: redeliveries after
 * a crash or while another replica holds the attempt are not SMTP attempts, and must not use up
 * an email's attempts (those are counted in the send log).
 */
export const EXTRA_DELIVERIES = 20;

/** The result recorded in the log, as published (the same bytes every time it is reported). */
export function resultOf(row: SendLogEntity, deploymentId?: string): SendResultV1 {
  return {
    emailId: row.emailId,
    ...(deploymentId ? { deploymentId } : {}),
    outcome: row.state === 'sent' ? 'sent' : 'failed',
    messageId: row.messageId,
    deliveryAttempts: row.attempts,
    reason: row.reason ?? undefined,
    serverResponse: row.lastResponse ?? undefined,
    possibleDuplicate: row.possibleDuplicate,
    completedAt: (row.completedAt ?? row.firstAttemptAt).toISOString(),
  };
}

/**
 * Sends one CRM email at most once per outcome: the idempotency log decides whether to send,
 * report a recorded result again, or wait for another worker's attempt; the SMTP outcome
 * decides sent / failed / retry.
 */
@Injectable()
export class SendEmailUseCase {
  private readonly log = new Logger(SendEmailUseCase.name);
  /** The attempts begun and finished at the same time by the commands in hand: one statement each (a Coalescer). */
  private readonly begins = new Coalescer((items: Parameters<SendLogRepository['beginAttempts']>[0]) => this.sendLog.beginAttempts(items));
  private readonly finishes = new Coalescer((items: Parameters<SendLogRepository['finishMany']>[0]) => this.sendLog.finishMany(items));

  constructor(
    private readonly sendLog: SendLogRepository,
    private readonly directory: MailboxDirectoryRepository,
    private readonly transport: MailTransportRepository,
    private readonly results: SendResultsRepository,
    private readonly unrecorded: UnrecordedOutcomes,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  async execute(cmd: SendCommandV1, delivery: Delivery): Promise<void> {
    // First: an outcome the server gave this process that the database was away for.
    if (await this.recordKnownOutcome(cmd)) return;
    const lastDelivery = delivery.deliveryCount >= delivery.maxAttempts;
    // The route is in memory; a recorded outcome is found by beginAttempts (one statement) or below.
    const route = await this.directory.resolve(cmd.mailboxId);
    if (!route.ok) {
      const existing = await this.sendLog.find(cmd.emailId);
      if (existing && existing.state !== 'sending') return this.report(existing, cmd.deploymentId);
      if (delivery.deliveryCount < this.settings.maxAttempts && !lastDelivery) throw new TransientError(route.problem, backoffDelay(this.settings.retry, delivery.deliveryCount));
      const row = await this.sendLog.failUnattempted(cmd.emailId, messageIdOf(cmd), `not sent: ${route.problem}`);
      return this.report(row, cmd.deploymentId);
    }

    // An address that is not a plain local@domain fails at once (never rewritten into another
    // mailbox by the composer); a result already recorded is reported as it is.
    const problems = addressProblems(cmd);
    if (problems.length) {
      const row = await this.sendLog.failUnattempted(cmd.emailId, messageIdOf(cmd), `not sent: ${problems.join('; ')}`);
      return this.report(row, cmd.deploymentId);
    }

    const claim = await this.begins.submit({ emailId: cmd.emailId, messageId: messageIdOf(cmd), leaseMs: this.settings.attemptLeaseMs });
    if (claim.kind === 'final') return this.report(claim.row, cmd.deploymentId);
    if (claim.kind === 'busy') {
      // Another worker holds the attempt (and renews its lease while it talks to the server).
      // Waiting is not a failure: look again when the lease may have run out.
      const wait = Math.min(this.settings.inFlightRecheckMs, claim.leaseLeftMs + 100);
      throw new RetryLaterError(`email ${cmd.emailId} is being sent by another worker`, wait);
    }
    if (claim.possibleDuplicate) {
      this.log.warn(`email ${cmd.emailId}: an earlier attempt may have reached the server (it died mid-send or lost its connection without a reply); sending again as ${claim.messageId} (possible duplicate)`);
    }

    const message = { ...composeMessage(cmd), messageId: claim.messageId };
    const outcome = await this.whileHoldingLease(cmd.emailId, claim.attempts, () => this.transport.send(route.conn, message));
    const settled = this.settle(outcome, claim.attempts, lastDelivery);
    if (!settled) {
      const unknown = !outcome.ok && !!outcome.deliveryUnknown;
      if (unknown) this.log.warn(`email ${cmd.emailId}: the connection dropped without a reply to attempt ${claim.attempts}; the server may have it (possible duplicate)`);
      const retry: UnrecordedOutcome = { kind: 'retry', attempts: claim.attempts, messageId: claim.messageId, response: outcome.response, deliveryUnknown: unknown };
      await this.keepingIfUnrecorded(cmd.emailId, retry, () => this.sendLog.releaseAfterTransient(cmd.emailId, claim.attempts, outcome.response, unknown));
      throw this.retryAfter(cmd.emailId, claim.attempts, outcome.response);
    }
    const known: UnrecordedOutcome = { kind: 'settled', attempts: claim.attempts, messageId: claim.messageId, outcome: settled };
    const row = await this.keepingIfUnrecorded(cmd.emailId, known, () => this.finishes.submit({ emailId: cmd.emailId, attempts: claim.attempts, outcome: settled }));
    // null: our attempt outlived its lease and another took over; that one reports.
    if (row) await this.report(row, cmd.deploymentId);
  }

  /**
   * Records an attempt's outcome kept in memory because the database was away when it came
   * (see UnrecordedOutcomes) and reports it: true when that settled the command. Throws while
   * the database is still away (the entry stays), so the consumer runs this again.
   */
  private async recordKnownOutcome(cmd: SendCommandV1): Promise<boolean> {
    const known = this.unrecorded.get(cmd.emailId);
    if (!known) return false;
    if (known.kind === 'retry') {
      await this.sendLog.releaseAfterTransient(cmd.emailId, known.attempts, known.response, known.deliveryUnknown);
      this.unrecorded.forget(cmd.emailId);
      throw this.retryAfter(cmd.emailId, known.attempts, known.response);
    }
    const row = await this.sendLog.finish(cmd.emailId, known.attempts, known.outcome);
    this.unrecorded.forget(cmd.emailId);
    // null: the log no longer holds our attempt as running — the write did commit before the
    // connection went (the log has the outcome), or our lease ran out and another replica took
    // the email over. Either way the log decides, as for any command.
    if (!row) return false;
    this.log.log(`email ${cmd.emailId}: recorded attempt ${known.attempts} (${row.state}, ${known.messageId}) now that the database is back; not sent again`);
    await this.report(row, cmd.deploymentId);
    return true;
  }

  /** Runs the write of an attempt's outcome; if it fails (the database went away), keeps the outcome in memory for the re-run. */
  private async keepingIfUnrecorded<T>(emailId: string, outcome: UnrecordedOutcome, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      this.unrecorded.remember(emailId, outcome);
      this.log.warn(`email ${emailId}: could not record attempt ${outcome.attempts} (${errorMessage(err)}); kept in memory, recorded when the command runs again instead of sending again`);
      throw err;
    }
  }

  private retryAfter(emailId: string, attempts: number, response: string): TransientError {
    const delay = backoffDelay(this.settings.retry, attempts);
    return new TransientError(`attempt ${attempts} of ${emailId} failed: ${response}`, delay);
  }

  /** Renews the attempt's lease while `work` runs, so only a dead process's attempt expires. */
  private async whileHoldingLease<T>(emailId: string, attempts: number, work: () => Promise<T>): Promise<T> {
    const leaseMs = this.settings.attemptLeaseMs;
    const timer = setInterval(() => {
      this.sendLog.renewLease(emailId, attempts, leaseMs).catch((err: Error) => this.log.warn(`could not renew the lease of ${emailId}: ${err.message}`));
    }, Math.max(500, Math.floor(leaseMs / 3)));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** The final outcome of an attempt, or undefined when it should be retried later. */
  private settle(outcome: SendOutcome, attempts: number, lastDelivery: boolean): AttemptOutcome | undefined {
    if (outcome.ok) {
      const refused = outcome.rejected.length ? `the server refused ${outcome.rejected.join(', ')}` : null;
      return { state: 'sent', response: outcome.response, reason: refused };
    }
    if (outcome.class === 'permanent') return { state: 'failed', response: outcome.response, reason: outcome.response };
    if (attempts >= this.settings.maxAttempts || lastDelivery) {
      return {
        state: 'failed', response: outcome.response, reason: `gave up after ${attempts} attempts: ${outcome.response}`,
        possibleDuplicate: !!outcome.deliveryUnknown,
      };
    }
    return undefined;
  }

  private async report(row: SendLogEntity, deploymentId: string): Promise<void> {
    if (row.state === 'sending') return;
    await this.results.publish(resultOf(row, deploymentId));
    this.log.log(`email ${row.emailId}: ${row.state} after ${row.attempts} attempt(s) as ${row.messageId}${row.reason ? ` (${row.reason})` : ''}`);
  }
}
