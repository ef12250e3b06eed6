import { Injectable } from '@nestjs/common';
import type { DeploymentTrackingV1 } from '@mailrouter/contracts';
import {
  CheckIncomingResult, CrmConnector, CrmMailboxRecord, DeliverIncomingResult, EmailAddress, IncomingEmail, MailInspection,
  OutgoingEmail, RecordRef, SendOutcome, TrackingOption, normalizeMessageId,
} from '@mailrouter/domain';
import { Coalescer, PermanentError } from '@mailrouter/platform';
import { RecordsRepository } from './records.repository';
import { EmailsRepository, NewParty } from './emails.repository';
import { PriorQuery, TrackingStateRepository } from './tracking-state.repository';
import { DeploymentSettingsRepository, tokenSettings } from './deployment-settings.repository';
import { decideTracking, TrackingFacts } from './tracking-rules';
import { conversationSubject, correlate } from './correlation';
import { PartyOptions, resolveParties } from './party-resolution';
import { findMangledTrackingToken } from './token-matching';
import type { CrmQueueEntity, CrmUserEntity } from './entities/crm-records.entity';
import type { EmailEntity, EmailPartyEntity } from './entities/email.entity';

type Owner = { kind: 'user' | 'queue'; record: CrmUserEntity | CrmQueueEntity };
type PartyInput = EmailAddress & { role: NewParty['role'] };

/**
 * What checkIncoming loaded that deliverIncoming needs again, kept for the same IncomingEmail
 * (both run in one transaction, under the per-mailbox-and-sender lock): the owner, the
 * addresses' records, the settings and, when the checks looked, this owner's activity for the
 * receivedId (null: none; absent: not looked up).
 */
interface CheckedIncoming {
  owner?: Owner;
  matches: Map<string, RecordRef[]>;
  tracking: DeploymentTrackingV1;
  againId?: string | null;
}

function ownerName(o: Owner): string {
  return o.kind === 'user' ? (o.record as CrmUserEntity).fullName : (o.record as CrmQueueEntity).name;
}

function ownerLabel(o: Owner): string {
  return `${o.kind} ${ownerName(o)} <${o.record.email}>`;
}

function partiesOf(e: IncomingEmail['email']): PartyInput[] {
  return [
    ...(e.from ? [{ role: 'from' as const, ...e.from }] : []),
    ...e.to.map((a) => ({ role: 'to' as const, ...a })),
    ...e.cc.map((a) => ({ role: 'cc' as const, ...a })),
  ];
}

/** A sentence when the sender must not be trusted: its domain failed DMARC and the deployment distrusts that. */
function distrustOf(tracking: DeploymentTrackingV1, inspection: MailInspection | undefined): string | undefined {
  const auth = inspection?.authentication;
  if (!tracking.distrustDmarcFailures || auth?.dmarc !== 'fail') return undefined;
  return `the sender's domain ${auth.fromDomain} failed DMARC (${auth.summary}), so the sender is not trusted`;
}

/** The embedded CRM: records and activities in the `crm` schema, tracking rules of its own. */
@Injectable()
export class BuiltinCrmConnector implements CrmConnector {
  /** Everything it writes is in crm-sync's database, in the caller's transaction. */
  readonly transactional = true;
  private readonly checked = new WeakMap<IncomingEmail, CheckedIncoming>();
  /** Send results arriving together are written in one statement. */
  private readonly sent = new Coalescer<Parameters<EmailsRepository['markManySent']>[0][number], boolean>((batch) => this.emails.markManySent(batch));

  constructor(
    private readonly records: RecordsRepository,
    private readonly emails: EmailsRepository,
    private readonly state: TrackingStateRepository,
    private readonly deployments: DeploymentSettingsRepository,
  ) {}

  async retrieveMailboxes(): Promise<CrmMailboxRecord[]> {
    const { users, queues } = await this.records.emailRouterRecords();
    const approval = (r: { emailAddressApproved: boolean }) => (r.emailAddressApproved ? 'approved' as const : 'pending' as const);
    return [
      ...users.map((u) => ({ crmId: u.id, kind: 'user' as const, name: u.fullName, address: u.email, approval: approval(u) })),
      ...queues.map((q) => ({ crmId: q.id, kind: 'queue' as const, name: q.name, address: q.email, approval: approval(q) })),
    ];
  }

  /** The mailbox's user or queue: by crmId, else by its address (a forward mailbox: user, then queue). */
  private async owner(mailbox: IncomingEmail['mailbox']): Promise<Owner | undefined> {
    const kinds: ('user' | 'queue')[] = mailbox.kind === 'forward' ? ['user', 'queue'] : [mailbox.kind];
    for (const kind of kinds) {
      const byId = mailbox.crmId ? await this.records.findOwner(kind, mailbox.crmId) : null;
      const record = byId ?? (await this.records.findOwnerByAddress(kind, mailbox.address.trim().toLowerCase()));
      if (record) return { kind, record: record as CrmUserEntity | CrmQueueEntity };
    }
    return undefined;
  }

  private async labelOf(kind: string, id: string): Promise<string> {
    const record = await this.records.find(kind as 'user' | 'queue', id);
    return record ? ownerLabel({ kind: kind as 'user' | 'queue', record: record as CrmUserEntity | CrmQueueEntity }) : `${kind} ${id}`;
  }

  /** The earlier-message facts of a group's messages in one round trip (what gatherFacts asks each). */
  async prepareIncoming(emails: IncomingEmail[]): Promise<void> {
    const qs: PriorQuery[] = [];
    for (const incoming of emails) {
      const owner = await this.owner(incoming.mailbox);
      if (!owner?.record.emailAddressApproved) continue;
      const tracking = await this.deployments.forDeployment(incoming.deploymentId);
      qs.push(this.priorQuery(owner, incoming, tracking));
    }
    await this.state.readAhead(qs);
  }

  private priorQuery(owner: Owner, incoming: IncomingEmail, tracking: DeploymentTrackingV1): PriorQuery {
    return {
      ownerType: owner.kind, ownerId: owner.record.id, messageId: incoming.email.messageId, receivedId: incoming.receivedId,
      sender: incoming.email.from?.address, since: new Date(Date.now() - tracking.loopGuard.windowMinutes * 60_000),
    };
  }

  async checkIncoming(incoming: IncomingEmail): Promise<CheckIncomingResult> {
    const tracking = await this.deployments.forDeployment(incoming.deploymentId);
    const owner = await this.owner(incoming.mailbox);
    const e = incoming.email;
    const sender = e.from?.address;
    const distrust = distrustOf(tracking, incoming.inspection);
    const matches = await this.records.matchAddressesOnce(partiesOf(e).map((p) => p.address));
    const automatic = incoming.inspection?.automatic;
    const facts: TrackingFacts = {
      ownerLookup: `mailbox ${incoming.mailbox.address}, ${incoming.mailbox.kind}${incoming.mailbox.crmId ? ` crmId ${incoming.mailbox.crmId}` : ''}`,
      sender, senderRecords: sender ? (matches.get(sender) ?? []) : [], senderDistrusted: distrust, ownerIsRecipient: false,
      automatic: automatic?.kind ? { kind: automatic.kind, reason: automatic.reason } : undefined,
      trackBetweenUsersAsTwo: tracking.trackBetweenUsersAsTwo, trackAutomaticReplies: tracking.trackAutomaticReplies,
    };
    const memo: CheckedIncoming = { owner, matches, tracking };
    if (owner) {
      facts.owner = {
        kind: owner.kind, id: owner.record.id, option: owner.record.incomingTracking as TrackingOption,
        label: ownerLabel(owner), approved: owner.record.emailAddressApproved,
      };
      if (owner.record.emailAddressApproved) memo.againId = await this.gatherFacts(facts, owner, incoming, tracking);
    }
    this.checked.set(incoming, memo);
    const result = decideTracking(facts);
    if (result.reason === 'loop-guard' && owner && sender) await this.raiseLoopAlert(owner, sender, facts.loop!, result.reasonText);
    const { resolved } = resolveParties(partiesOf(e), matches, this.partyOptions(tracking, distrust));
    return { ...result, parties: resolved };
  }

  /**
   * Duplicate, the same message tracked for another owner, loop count, correlation; and a
   * bounce marks its email failed. The earlier messages are asked about in one round trip;
   * returns this owner's activity for the receivedId (null: none) for deliverIncoming.
   */
  private async gatherFacts(facts: TrackingFacts, owner: Owner, incoming: IncomingEmail, tracking: DeploymentTrackingV1): Promise<string | null> {
    const e = incoming.email;
    const own = [owner.record.email, incoming.mailbox.address.trim().toLowerCase()];
    facts.ownerIsRecipient = [...e.to, ...e.cc].some((a) => own.includes(a.address));
    await this.applyBounce(incoming.inspection?.bounce);
    const messageId = e.messageId;
    const prior = await this.state.priorOf(this.priorQuery(owner, incoming, tracking));
    if (prior.duplicateId) {
      facts.duplicate = { activityId: prior.duplicateId, messageId: messageId! };
      return prior.againId;
    }
    const other = prior.otherOwners;
    if (other) facts.trackedElsewhere = { activityId: other.id, ownerLabel: await this.labelOf(other.ownerType, other.ownerId) };
    if (facts.sender) {
      facts.loop = { count: prior.earlierFromSender + 1, maxMessages: tracking.loopGuard.maxMessages, windowMinutes: tracking.loopGuard.windowMinutes };
    }
    facts.correlation = await correlate(this.emails, tracking, e, !facts.senderDistrusted);
    return prior.againId;
  }

  /** A bounce marks the outgoing email it reports on as failed ("bounced: …"). */
  private async applyBounce(bounce: MailInspection['bounce']): Promise<void> {
    if (!bounce || (!bounce.emailId && !bounce.originalMessageId)) return;
    // A delay notice (4.x.x, action delayed): the server is still trying.
    if (bounce.action === 'delayed' || bounce.status?.startsWith('4')) return;
    const original = await this.emails.findOutgoing(bounce.emailId, normalizeMessageId(bounce.originalMessageId) ?? bounce.originalMessageId);
    if (original) await this.emails.markBounced(original.id, `bounced: ${bounce.diagnostic}`);
  }

  private async raiseLoopAlert(owner: Owner, sender: string, loop: NonNullable<TrackingFacts['loop']>, reasonText: string): Promise<void> {
    await this.state.raiseOnce({
      kind: 'loop-guard', ownerType: owner.kind, ownerId: owner.record.id, sender,
      message: `mail loop? ${reasonText}`,
    }, new Date(Date.now() - loop.windowMinutes * 60_000));
  }

  private partyOptions(tracking: DeploymentTrackingV1, distrust?: string): PartyOptions {
    return { leaveAmbiguousUnresolved: tracking.leaveAmbiguousUnresolved, distrustSender: Boolean(distrust) };
  }

  /**
   * One activity with its parties and attachments (and a queue item when a queue owns the
   * mailbox); a redelivery of the same receivedId returns the existing one.
   */
  async deliverIncoming(incoming: IncomingEmail, check: CheckIncomingResult): Promise<DeliverIncomingResult> {
    const memo = this.checked.get(incoming);
    this.checked.delete(incoming);
    const owner = memo ? memo.owner : await this.owner(incoming.mailbox);
    if (!owner) throw new Error(`no owner for mailbox ${incoming.mailbox.address}`);
    const againId = memo?.againId !== undefined
      ? memo.againId
      : ((await this.emails.findByOwnerAndReceivedId(owner.kind, owner.record.id, incoming.receivedId))?.id ?? null);
    if (againId) return { activityId: againId, existed: true };
    const tracking = memo?.tracking ?? (await this.deployments.forDeployment(incoming.deploymentId));
    const e = incoming.email;
    const list = partiesOf(e);
    const matches = memo?.matches ?? (await this.records.matchAddresses(list.map((p) => p.address)));
    const { rows } = resolveParties(list, matches, this.partyOptions(tracking, distrustOf(tracking, incoming.inspection)));
    const token = tracking.token.enabled ? findMangledTrackingToken(tokenSettings(tracking), e.subject) : undefined;
    const max = tracking.maxAttachmentBytes;
    const saved = await this.emails.insert({
      direction: 'incoming', status: 'received', ownerType: owner.kind, ownerId: owner.record.id,
      subject: e.subject, bodyText: e.text ?? null, bodyHtml: e.html ?? null,
      messageId: e.messageId ?? null, inReplyTo: e.inReplyTo ?? null, references: e.references,
      trackingToken: token ?? null, conversationSubject: conversationSubject(e.subject, token),
      regardingType: check.regarding?.type ?? null, regardingId: check.regarding?.id ?? null,
      receivedId: incoming.receivedId,
      parties: rows,
      attachments: e.attachments.map((a) => ({
        filename: a.filename, contentType: a.contentType, size: a.size,
        content: a.size <= max ? Buffer.from(a.content) : null,
      })),
    });
    this.state.noteMade({ id: saved.id, ownerType: owner.kind, ownerId: owner.record.id, messageId: e.messageId, receivedId: incoming.receivedId });
    if (owner.kind === 'queue') await this.state.addQueueItem(owner.record.id, saved.id);
    return { activityId: saved.id, existed: false };
  }

  /** Parties of a composed email: each address linked to every record it belongs to. */
  async resolveParties(list: PartyInput[]): Promise<NewParty[]> {
    const matches = await this.records.matchAddresses(list.map((p) => p.address));
    return resolveParties(list, matches, { leaveAmbiguousUnresolved: false }).rows;
  }

  async claimPendingOutgoing(limit: number, leaseMs: number): Promise<OutgoingEmail[]> {
    const claimed = await this.emails.claim(limit, leaseMs);
    if (!claimed.length) return [];
    const parties = await this.emails.partiesOf(claimed.map((c) => c.id));
    const out: OutgoingEmail[] = [];
    // Each owner is looked up once per claim (a batch is mostly a few users' email).
    const owners = new Map<string, Promise<CrmUserEntity | CrmQueueEntity | null>>();
    const ownerOf = (kind: 'user' | 'queue', id: string) => {
      const key = `${kind} ${id}`;
      if (!owners.has(key)) owners.set(key, this.records.find(kind, id) as Promise<CrmUserEntity | CrmQueueEntity | null>);
      return owners.get(key)!;
    };
    for (const email of claimed) {
      const mine = parties.filter((p) => p.emailId === email.id);
      out.push(await this.toOutgoing(email, mine, ownerOf));
    }
    return out;
  }

  async confirmHandedOver(claims: Pick<OutgoingEmail, 'emailId' | 'claim'>[], leaseMs: number): Promise<void> {
    await this.emails.extendClaims(claims, leaseMs);
  }

  private async toOutgoing(
    email: EmailEntity, parties: EmailPartyEntity[], ownerOf: (kind: 'user' | 'queue', id: string) => Promise<CrmUserEntity | CrmQueueEntity | null>,
  ): Promise<OutgoingEmail> {
    const kind = email.ownerType as 'user' | 'queue';
    const owner = await ownerOf(kind, email.ownerId);
    const from = parties.find((p) => p.role === 'from');
    const pick = (role: string) => parties.filter((p) => p.role === role).map((p) => ({ address: p.address, ...(p.name ? { name: p.name } : {}) }));
    const name = owner ? ownerName({ kind, record: owner as CrmUserEntity | CrmQueueEntity }) : from?.name ?? undefined;
    return {
      emailId: email.id, claim: email.claimCount, owner: { kind, crmId: email.ownerId },
      from: { address: owner?.email ?? from?.address ?? '', ...(name ? { name } : {}) },
      to: pick('to'), cc: pick('cc'), bcc: pick('bcc'),
      subject: email.subject, trackingToken: email.trackingToken ?? undefined,
      text: email.bodyText ?? undefined, html: email.bodyHtml ?? undefined,
      inReplyTo: email.inReplyTo ?? undefined, references: email.references,
    };
  }

  async markSent(outcome: SendOutcome): Promise<void> {
    const changed = await this.sent.submit({
      id: outcome.emailId, messageId: normalizeMessageId(outcome.messageId) ?? outcome.messageId, deliveryAttempts: outcome.deliveryAttempts, sentAt: new Date(),
    });
    if (!changed) await this.mustExist(outcome.emailId);
  }

  async markFailed(outcome: SendOutcome & { reason: string }): Promise<void> {
    const changed = await this.emails.markFailed(outcome.emailId, outcome.reason, outcome.deliveryAttempts, normalizeMessageId(outcome.messageId));
    if (!changed) await this.mustExist(outcome.emailId);
  }

  /** A result for an email this CRM does not have can never be applied. */
  private async mustExist(emailId: string): Promise<void> {
    const email = await this.emails.find(emailId);
    if (!email || email.direction !== 'outgoing') throw new PermanentError(`no outgoing email ${emailId} in the built-in CRM`);
  }
}
