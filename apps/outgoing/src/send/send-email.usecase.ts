import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SendCommandV1, SendResultV1 } from '@mailrouter/contracts';
import { backoffDelay } from '@mailrouter/domain';
import type { SendOutcome } from '@mailrouter/mail-adapters';
import { RetryLaterError, TransientError } from '@mailrouter/platform';
import { MailboxDirectoryRepository } from '../mailboxes/mailbox-directory.repository';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';
import { addressProblems, composeMessage, messageIdOf } from './compose-message';
import { MailTransportRepository } from './mail-transport.repository';
import type { SendLogEntity } from './send-log.entity';
import { SendLogRepository, type AttemptOutcome } from './send-log.repository';
import { SendResultsRepository } from './send-results.repository';

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

  constructor(
    private readonly sendLog: SendLogRepository,
    private readonly directory: MailboxDirectoryRepository,
    private readonly transport: MailTransportRepository,
    private readonly results: SendResultsRepository,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  async execute(cmd: SendCommandV1, delivery: Delivery): Promise<void> {
    const lastDelivery = delivery.deliveryCount >= delivery.maxAttempts;
    // The route is in memory; a recorded outcome is found by beginAttempt (one statement) or below.
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

    const claim = await this.sendLog.beginAttempt(cmd.emailId, messageIdOf(cmd), this.settings.attemptLeaseMs);
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
      await this.sendLog.releaseAfterTransient(cmd.emailId, claim.attempts, outcome.response, unknown);
      const delay = backoffDelay(this.settings.retry, claim.attempts);
      throw new TransientError(`attempt ${claim.attempts} of ${cmd.emailId} failed: ${outcome.response}`, delay);
    }
    const row = await this.sendLog.finish(cmd.emailId, claim.attempts, settled);
    // null: our attempt outlived its lease and another took over; that one reports.
    if (row) await this.report(row, cmd.deploymentId);
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
  }
}
