import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailReceivedV1, MailVerdictV1 } from '@mailrouter/contracts';
import { CheckIncomingResult, IncomingEmail, MailInspection, ParsedEmail } from '@mailrouter/domain';
import { EventPublisher, QuarantineRecord, RawMailStore } from '@mailrouter/messaging';
import { errorMessage, TransientError } from '@mailrouter/platform';
import { CrmConnectors } from '../connectors/crm-connectors.registry';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { isUniqueViolation, TransactionScope } from '../transaction-scope.repository';
import { QuarantineRepository } from '../quarantine/quarantine.repository';
import { ReceivedTrailRepository, TrailFacts, verdictOf } from './received-trail.repository';
import { parseMailDetailed, UnparseableMailError } from './parse-mail';
import { MailInspector } from './mail-inspector';
import { describeDecision } from './decision-words';

/** After a lost race (the same message handled by two replicas at once), retry this soon. */
export const RACE_RETRY_MS = 200;

/**
 * The incoming flow: received → (parse, check, deliver) → verdict. Idempotent by receivedId:
 * a redelivered event republishes the verdict already decided.
 */
@Injectable()
export class ProcessReceivedUseCase {
  private readonly log = new Logger(ProcessReceivedUseCase.name);

  constructor(
    private readonly connectors: CrmConnectors,
    private readonly trail: ReceivedTrailRepository,
    private readonly quarantines: QuarantineRepository,
    private readonly scope: TransactionScope,
    private readonly raws: RawMailStore,
    private readonly publisher: EventPublisher,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
    private readonly inspector: MailInspector,
  ) {}

  async handle(event: MailReceivedV1): Promise<void> {
    // The raw message is fetched while the trail is asked whether it was decided already (a
    // redelivery, rare): the two round trips overlap instead of following each other.
    const raw = this.readRaw(event);
    raw.catch(() => undefined); // a redelivery does not wait for (or fail on) the raw message
    const known = await this.trail.find(event.receivedId);
    if (known) return this.publish(verdictOf(known));
    try {
      const verdict = await this.decide(event, await raw);
      await this.publish(verdict);
    } catch (err) {
      if (isUniqueViolation(err)) throw new TransientError(`${event.receivedId} was decided concurrently: ${errorMessage(err)}`, RACE_RETRY_MS);
      throw err;
    }
  }

  private async decide(event: MailReceivedV1, raw: Uint8Array | null): Promise<MailVerdictV1> {
    if (!raw) return this.settle(event, {}, 'quarantined', 'unparseable', `the raw message ${event.raw.key} is not in the object store ${event.raw.bucket}`);
    let detailed: Awaited<ReturnType<typeof parseMailDetailed>>;
    try {
      detailed = await parseMailDetailed(raw);
    } catch (err) {
      if (!(err instanceof UnparseableMailError)) throw err;
      return this.settle(event, {}, 'quarantined', 'unparseable', err.message);
    }
    const { email, inspection } = await this.inspector.inspect(raw, detailed.parsed, detailed.email);
    const incoming: IncomingEmail = { receivedId: event.receivedId, mailbox: event.mailbox, email, deploymentId: event.deploymentId, inspection };
    const connector = await this.connectors.forDeployment(event.deploymentId);
    return this.scope.run(async () => {
      // Decisions for one mailbox and sender are serialised (the loop guard counts the ones
      // before; copies of one message find each other): a lock held until this commits.
      await this.scope.manager().query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${event.mailbox.id}|${email.from?.address ?? ''}`]);
      const check = await connector.checkIncoming(incoming);
      const facts = trailFacts(email, check, inspection);
      const reasonText = describeDecision(check, inspection);
      if (!check.shouldDeliver) {
        return this.settle(event, facts, 'ignored', check.reason, reasonText, duplicateOf(check));
      }
      const delivered = await connector.deliverIncoming(incoming, check);
      return this.settle(event, facts, 'tracked', check.reason, reasonText, delivered.activityId);
    });
  }

  /** The raw MIME; a read that stalls (e.g. the object being re-stored meanwhile) is retried later. */
  private async readRaw(event: MailReceivedV1): Promise<Uint8Array | null> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError(`reading raw message ${event.raw.key} took over ${this.settings.rawReadTimeoutMs} ms`)), this.settings.rawReadTimeoutMs);
    });
    try {
      return await Promise.race([this.raws.get(event.raw.key), stalled]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records the decision in the trail (inside the delivery's transaction when there is one). */
  private async settle(
    event: MailReceivedV1, facts: TrailFacts, outcome: MailVerdictV1['outcome'], reason: MailVerdictV1['reason'],
    reasonText: string, activityId?: string,
  ): Promise<MailVerdictV1> {
    const verdict: MailVerdictV1 = {
      receivedId: event.receivedId, mailboxId: event.mailbox.id, outcome, reason, reasonText,
      ...(activityId ? { activityId } : {}), decidedAt: new Date().toISOString(),
    };
    await this.trail.record(verdict, facts);
    return verdict;
  }

  private async publish(verdict: MailVerdictV1): Promise<void> {
    await this.publisher.publish('mailVerdict', verdict, `${verdict.receivedId}:verdict`);
  }

  /**
   * A received message that failed every attempt: kept in quarantine, and `incoming` is told
   * (verdict quarantined) so that it does not wait for it forever.
   */
  async quarantine(record: QuarantineRecord): Promise<void> {
    await this.quarantines.record(record);
    const event = MailReceivedV1.safeParse(record.payload);
    if (!event.success) return;
    const known = await this.trail.find(event.data.receivedId);
    const verdict = known
      ? verdictOf(known)
      : await this.settle(event.data, {}, 'quarantined', 'delivery-failed', `could not be delivered to the CRM: ${record.reason}`);
    await this.publish(verdict);
    this.log.warn(`${event.data.receivedId} quarantined: ${record.reason}`);
  }
}

function trailFacts(email: ParsedEmail, check: CheckIncomingResult, inspection: MailInspection): TrailFacts {
  return {
    messageId: email.messageId, subject: email.subject, fromAddress: email.from?.address,
    owner: check.owner, correlationRule: check.correlationRule, parties: check.parties,
    authentication: inspection.authentication, automatic: inspection.automatic,
  };
}

/** The activity an ignored message is already tracked as (a duplicate, or internal mail tracked once). */
function duplicateOf(check: CheckIncomingResult): string | undefined {
  return check.reason === 'duplicate' || check.reason === 'internal-email-reject' ? check.correlatedActivityId : undefined;
}
