import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailboxRefV1, MailReceivedV1, MailVerdictV1 } from '@mailrouter/contracts';
import { CheckIncomingResult, CrmConnector, FORWARDED_FOR_HEADER, IncomingEmail, MailInspection, ParsedEmail } from '@mailrouter/domain';
import { bindContext, EventPublisher, QuarantineRecord, RawMailStore } from '@mailrouter/messaging';
import { Coalescer, errorMessage, type SecretKeyring, TransientError } from '@mailrouter/platform';
import { CrmConnectors } from '../connectors/crm-connectors.registry';
import { CONNECTOR_SETTINGS, connectorKeyring, ConnectorSettings } from '../connectors/connectors.settings';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { isUniqueViolation, TransactionScope } from '../transaction-scope.repository';
import { QuarantineRepository } from '../quarantine/quarantine.repository';
import { ReceivedTrailRepository, TrailFacts } from './received-trail.repository';
import { parseMailDetailed, UnparseableMailError } from './parse-mail';
import { MailInspector } from './mail-inspector';
import { describeDecision, describeForward } from './decision-words';
import { ByteBudget } from './byte-budget';
import { GroupedDecisions } from './grouped-decisions';
import { findAttachedMessages, topHeaderValues, verifyForwardedFor } from './forward-unwrap';

/** The trail row of the n-th message attached to a forward wrapper (1-based). */
export function forwardedReceivedId(wrapperReceivedId: string, n: number): string {
  return `${wrapperReceivedId}#fwd${n}`;
}

/** Where a decision is recorded: the received message, or one message attached to it. */
interface DecisionTarget {
  receivedId: string;
  mailbox: MailboxRefV1;
}

/** After a lost race (the same message handled by two replicas at once), retry this soon. */
export const RACE_RETRY_MS = 200;

/**
 * The incoming flow: received → (parse, check, deliver) → verdict. Idempotent by receivedId:
 * a redelivered event republishes the verdict already decided.
 */
@Injectable()
export class ProcessReceivedUseCase {
  private readonly log = new Logger(ProcessReceivedUseCase.name);
  private key?: SecretKeyring | null;
  /** Decisions of one mailbox and sender, several per transaction when they queue up. */
  readonly groups: GroupedDecisions;
  /** Bytes of received mail held at once (RECEIVED_MAX_INFLIGHT_BYTES). */
  private readonly inflight: ByteBudget;
  /** "Decided already?" of the messages arriving together, asked in one statement. */
  private readonly decided = new Coalescer<string, MailVerdictV1 | null>((ids) => this.trail.findVerdicts(ids));

  constructor(
    private readonly connectors: CrmConnectors,
    private readonly trail: ReceivedTrailRepository,
    private readonly quarantines: QuarantineRepository,
    private readonly scope: TransactionScope,
    private readonly raws: RawMailStore,
    private readonly publisher: EventPublisher,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
    private readonly inspector: MailInspector,
    @Inject(CONNECTOR_SETTINGS) private readonly connectorSettings: ConnectorSettings,
  ) {
    this.inflight = new ByteBudget(settings.receivedMaxInflightBytes);
    this.groups = new GroupedDecisions({
      transaction: (key, work, hints) => this.scope.run(async () => {
        await this.scope.manager().query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
        await prepareGroup(hints as (DecisionHint | undefined)[]);
        return work();
      }),
    }, settings.decisionGroupMax);
  }

  async handle(event: MailReceivedV1): Promise<void> {
    // Memory: the message's bytes are taken from RECEIVED_MAX_INFLIGHT_BYTES before it is read.
    const release = await this.inflight.take(event.raw.size);
    try {
      // The raw message is fetched while the trail is asked whether it was decided already (a
      // redelivery, rare): the two round trips overlap instead of following each other.
      const raw = this.readRaw(event);
      raw.catch(() => undefined); // a redelivery does not wait for (or fail on) the raw message
      const known = await this.decided.submit(event.receivedId);
      if (known) return await this.publish(known);
      const verdict = await this.decide(event, await raw);
      release();
      await this.publish(verdict);
      this.log.log(`${verdict.receivedId}: ${verdict.outcome} (${verdict.reason})${verdict.activityId ? ` as activity ${verdict.activityId}` : ''}`);
    } catch (err) {
      if (isUniqueViolation(err)) throw new TransientError(`${event.receivedId} was decided concurrently: ${errorMessage(err)}`, RACE_RETRY_MS);
      throw err;
    } finally {
      release();
    }
  }

  private async decide(event: MailReceivedV1, raw: Uint8Array | null): Promise<MailVerdictV1> {
    if (!raw) return this.settle(event, {}, 'quarantined', 'unparseable', `the raw message ${event.raw.key} is not in the object store ${event.raw.bucket}`);
    if (event.mailbox.kind === 'forward') return this.decideForward(event, Buffer.from(raw));
    return this.decideOne(event, event, raw);
  }

  /** Parse, inspect, check, deliver one message as the mail of `target.mailbox`; recorded under `target.receivedId`. */
  private async decideOne(event: MailReceivedV1, target: DecisionTarget, raw: Uint8Array, note?: string): Promise<MailVerdictV1> {
    let detailed: Awaited<ReturnType<typeof parseMailDetailed>>;
    try {
      detailed = await parseMailDetailed(raw, this.settings.mimeLimits);
    } catch (err) {
      if (!(err instanceof UnparseableMailError)) throw err;
      return this.settle(target, {}, 'quarantined', err.reason, err.message);
    }
    const { email, inspection } = await this.inspector.inspect(raw, detailed.parsed, detailed.email);
    const incoming: IncomingEmail = { receivedId: target.receivedId, mailbox: target.mailbox, email, deploymentId: event.deploymentId, inspection };
    const connector = await this.connectors.forDeployment(event.deploymentId);
    // Decisions for one mailbox and sender are serialised (the loop guard counts the ones
    // before; copies of one message find each other): under a lock held until they commit,
    // taken once for all the decisions of that key waiting at the time (GroupedDecisions).
    // (bindContext: the decision logs under its own message's correlation id, whichever message's turn ran the group.)
    return this.groups.submit(`${target.mailbox.id}|${email.from?.address ?? ''}`, bindContext(async () => {
      const check = await connector.checkIncoming(incoming);
      const facts = trailFacts(email, check, inspection);
      const reasonText = [describeDecision(check, inspection), note].filter(Boolean).join('; ');
      if (!check.shouldDeliver) {
        return this.settle(target, facts, 'ignored', check.reason, reasonText, duplicateOf(check));
      }
      const delivered = await connector.deliverIncoming(incoming, check);
      return this.settle(target, facts, 'tracked', check.reason, reasonText, delivered.activityId);
    }), connector.transactional === true, { connector, incoming } satisfies DecisionHint);
  }

  /**
   * A forward mailbox's message: a Sieve redirect with a valid forwarded-for token is the user's
   * own mail; a wrapper's attached messages are each its From user's mail, each decided once
   * under its own trail row (`<receivedId>#fwd<n>`, so a redelivery after a crash reuses the
   * ones decided) and summarised in the wrapper's verdict; anything else is quarantined.
   */
  private async decideForward(event: MailReceivedV1, raw: Buffer): Promise<MailVerdictV1> {
    const claim = verifyForwardedFor(topHeaderValues(raw, FORWARDED_FOR_HEADER), event.mailbox.address, this.secretKey());
    if (claim.status === 'valid') {
      return this.decideOne(event, { receivedId: event.receivedId, mailbox: asUserMailbox(event.mailbox, claim.user) }, raw,
        `redirected to forward mailbox ${event.mailbox.address} by ${claim.user}'s Sieve rule (token verified)`);
    }
    const disbelief = claim.status === 'invalid' ? `not believed as ${claim.user ?? 'anyone'}'s mail: ${claim.why}` : undefined;
    const max = this.settings.forwardMaxMessages;
    const { messages, skipped } = findAttachedMessages(raw, max);
    let wrapper: ParsedEmail;
    try {
      wrapper = (await parseMailDetailed(raw, this.settings.mimeLimits)).email;
    } catch (err) {
      if (!(err instanceof UnparseableMailError)) throw err;
      return this.settle(event, {}, 'quarantined', err.reason, err.message);
    }
    const facts: TrailFacts = { messageId: wrapper.messageId, subject: wrapper.subject, fromAddress: wrapper.from?.address };
    const forwardedBy = wrapper.from?.address;
    if (messages.length === 0 || !forwardedBy) {
      const what = messages.length === 0
        ? `the forward mailbox ${event.mailbox.address} received a message${forwardedBy ? ` from ${forwardedBy}` : ''} that carries no forwarded message: no attached message (message/rfc822) and no valid ${FORWARDED_FOR_HEADER} header`
        : `the forward mailbox ${event.mailbox.address} received ${messages.length} attached message(s) but the wrapper has no From address to tell whose mail they are`;
      const fix = 'nothing was tracked; check that the user\'s server-side rule forwards as attachment (Exchange) or was deployed by MailRouter (Sieve)';
      return this.settle(event, facts, 'quarantined', 'forward-without-message', [what, disbelief, fix].filter(Boolean).join('; '));
    }
    const mailbox = asUserMailbox(event.mailbox, forwardedBy);
    const verdicts: MailVerdictV1[] = [];
    for (const [i, inner] of messages.entries()) {
      const receivedId = forwardedReceivedId(event.receivedId, i + 1);
      const known = await this.trail.findVerdict(receivedId);
      verdicts.push(known ?? await this.decideOne(event, { receivedId, mailbox }, inner, `attached message ${i + 1} of forward ${event.receivedId}`));
    }
    const tracked = verdicts.find((v) => v.outcome === 'tracked');
    const outcome = tracked ? 'tracked' : verdicts.some((v) => v.outcome === 'ignored') ? 'ignored' : 'quarantined';
    const lead = tracked ?? verdicts[0];
    return this.settle(event, facts, outcome, lead.reason, describeForward(forwardedBy, verdicts, skipped, max, disbelief), tracked?.activityId);
  }

  /** ROUTER_SECRET_KEY, to verify forwarded-for tokens; undefined when crm-sync has none (or a bad one). */
  private secretKey(): SecretKeyring | undefined {
    if (this.key === undefined) {
      try {
        this.key = connectorKeyring(this.connectorSettings) ?? null;
      } catch (err) {
        this.log.error(`ROUTER_SECRET_KEY cannot verify forwarded-for tokens: ${errorMessage(err)}`);
        this.key = null;
      }
    }
    return this.key ?? undefined;
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
    target: DecisionTarget, facts: TrailFacts, outcome: MailVerdictV1['outcome'], reason: MailVerdictV1['reason'],
    reasonText: string, activityId?: string,
  ): Promise<MailVerdictV1> {
    const verdict: MailVerdictV1 = {
      receivedId: target.receivedId, mailboxId: target.mailbox.id, outcome, reason, reasonText,
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
    const verdict = (await this.trail.findVerdict(event.data.receivedId))
      ?? await this.settle(event.data, {}, 'quarantined', 'delivery-failed', `could not be delivered to the CRM: ${record.reason}`);
    await this.publish(verdict);
    this.log.warn(`${event.data.receivedId} quarantined: ${record.reason}`);
  }
}

/** What a decision is submitted with: its connector may read ahead for the group's messages. */
interface DecisionHint {
  connector: CrmConnector;
  incoming: IncomingEmail;
}

/** Under the group's lock, before its first decision: each connector reads ahead for its messages of the group. */
async function prepareGroup(hints: (DecisionHint | undefined)[]): Promise<void> {
  const byConnector = new Map<CrmConnector, IncomingEmail[]>();
  for (const h of hints) {
    if (!h?.connector.prepareIncoming) continue;
    const list = byConnector.get(h.connector) ?? [];
    list.push(h.incoming);
    byConnector.set(h.connector, list);
  }
  for (const [connector, emails] of byConnector) await connector.prepareIncoming!(emails);
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

/** A forwarded message is tracked as its user's mail; the forward mailbox's id stays (trail, settings). */
function asUserMailbox(forward: MailboxRefV1, user: string): MailboxRefV1 {
  return { id: forward.id, kind: 'user', address: user };
}
