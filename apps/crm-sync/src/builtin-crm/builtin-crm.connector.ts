import { Inject, Injectable } from '@nestjs/common';
import {
  CheckIncomingResult, CrmConnector, CrmMailboxRecord, DeliverIncomingResult, EmailAddress, findTrackingToken,
  IncomingEmail, OutgoingEmail, RecordRef, SendOutcome, TrackingOption, normalizeMessageId,
} from '@mailrouter/domain';
import { PermanentError } from '@mailrouter/platform';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { RecordsRepository } from './records.repository';
import { EmailsRepository, NewParty } from './emails.repository';
import { decideTracking, TrackingFacts } from './tracking-rules';
import type { CrmQueueEntity, CrmUserEntity } from './entities/crm-records.entity';
import type { EmailEntity, EmailPartyEntity } from './entities/email.entity';

type Owner = { kind: 'user' | 'queue'; record: CrmUserEntity | CrmQueueEntity };

function ownerName(o: Owner): string {
  return o.kind === 'user' ? (o.record as CrmUserEntity).fullName : (o.record as CrmQueueEntity).name;
}

/** The embedded CRM: records and activities in the `crm` schema, tracking rules of its own. */
@Injectable()
export class BuiltinCrmConnector implements CrmConnector {
  constructor(
    private readonly records: RecordsRepository,
    private readonly emails: EmailsRepository,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  async retrieveMailboxes(): Promise<CrmMailboxRecord[]> {
    const { users, queues } = await this.records.emailRouterRecords();
    return [
      ...users.map((u) => ({ crmId: u.id, kind: 'user' as const, name: u.fullName, address: u.email })),
      ...queues.map((q) => ({ crmId: q.id, kind: 'queue' as const, name: q.name, address: q.email })),
    ];
  }

  /** The mailbox's user or queue: by crmId, else by its address (a forward mailbox: user, then queue). */
  private async owner(mailbox: IncomingEmail['mailbox']): Promise<Owner | undefined> {
    const kinds: ('user' | 'queue')[] = mailbox.kind === 'forward' ? ['user', 'queue'] : [mailbox.kind];
    for (const kind of kinds) {
      const byId = mailbox.crmId ? await this.records.find(kind, mailbox.crmId) : null;
      const record = byId ?? (await this.records.findOwnerByAddress(kind, mailbox.address.trim().toLowerCase()));
      if (record) return { kind, record: record as CrmUserEntity | CrmQueueEntity };
    }
    return undefined;
  }

  private async correlate(email: IncomingEmail['email']): Promise<TrackingFacts['correlation']> {
    const token = findTrackingToken(this.settings.trackingToken, email.subject);
    const byToken = token ? await this.emails.findByTrackingToken(token) : null;
    if (byToken) return { activityId: byToken.id, regarding: regardingOf(byToken), via: `tracking token ${token}` };
    const ids = [email.inReplyTo, ...[...email.references].reverse()].filter((x): x is string => Boolean(x));
    const byHeader = await this.emails.findByMessageIds([...new Set(ids)]);
    if (byHeader) return { activityId: byHeader.id, regarding: regardingOf(byHeader), via: `In-Reply-To/References ${byHeader.messageId}` };
    return undefined;
  }

  async checkIncoming(incoming: IncomingEmail): Promise<CheckIncomingResult> {
    const owner = await this.owner(incoming.mailbox);
    const sender = incoming.email.from?.address;
    const facts: TrackingFacts = {
      ownerLookup: `mailbox ${incoming.mailbox.address}, ${incoming.mailbox.kind}${incoming.mailbox.crmId ? ` crmId ${incoming.mailbox.crmId}` : ''}`,
      sender,
      senderRecords: sender ? ((await this.records.matchAddresses([sender])).get(sender) ?? []) : [],
    };
    if (owner) {
      facts.owner = {
        kind: owner.kind, id: owner.record.id, option: owner.record.incomingTracking as TrackingOption,
        label: `${owner.kind} ${ownerName(owner)} <${owner.record.email}>`,
      };
      const messageId = incoming.email.messageId;
      const dup = messageId ? await this.emails.findByOwnerAndMessageId(owner.kind, owner.record.id, messageId) : null;
      if (dup) facts.duplicate = { activityId: dup.id, messageId: messageId! };
      else facts.correlation = await this.correlate(incoming.email);
    }
    return decideTracking(facts);
  }

  /** One activity with its parties and attachments; a redelivery of the same receivedId returns the existing one. */
  async deliverIncoming(incoming: IncomingEmail, check: CheckIncomingResult): Promise<DeliverIncomingResult> {
    const owner = await this.owner(incoming.mailbox);
    if (!owner) throw new Error(`no owner for mailbox ${incoming.mailbox.address}`);
    const again = await this.emails.findByOwnerAndReceivedId(owner.kind, owner.record.id, incoming.receivedId);
    if (again) return { activityId: again.id, existed: true };
    const e = incoming.email;
    const parties = await this.resolveParties([
      ...(e.from ? [{ role: 'from' as const, ...e.from }] : []),
      ...e.to.map((a) => ({ role: 'to' as const, ...a })),
      ...e.cc.map((a) => ({ role: 'cc' as const, ...a })),
    ]);
    const max = this.settings.maxAttachmentBytes;
    const saved = await this.emails.insert({
      direction: 'incoming', status: 'received', ownerType: owner.kind, ownerId: owner.record.id,
      subject: e.subject, bodyText: e.text ?? null, bodyHtml: e.html ?? null,
      messageId: e.messageId ?? null, inReplyTo: e.inReplyTo ?? null, references: e.references,
      trackingToken: findTrackingToken(this.settings.trackingToken, e.subject) ?? null,
      regardingType: check.regarding?.type ?? null, regardingId: check.regarding?.id ?? null,
      receivedId: incoming.receivedId,
      parties,
      attachments: e.attachments.map((a) => ({
        filename: a.filename, contentType: a.contentType, size: a.size,
        content: a.size <= max ? Buffer.from(a.content) : null,
      })),
    });
    return { activityId: saved.id, existed: false };
  }

  /** Each address resolved to its first record (user, queue, contact, account, lead); names never decide. */
  async resolveParties(list: (EmailAddress & { role: NewParty['role'] })[]): Promise<NewParty[]> {
    const matches = await this.records.matchAddresses(list.map((p) => p.address));
    return list.map((p) => {
      const record = matches.get(p.address)?.[0];
      return { role: p.role, address: p.address, name: p.name ?? null, recordType: record?.type ?? null, recordId: record?.id ?? null };
    });
  }

  async claimPendingOutgoing(limit: number, leaseMs: number): Promise<OutgoingEmail[]> {
    const claimed = await this.emails.claim(limit, leaseMs);
    if (!claimed.length) return [];
    const parties = await this.emails.partiesOf(claimed.map((c) => c.id));
    const out: OutgoingEmail[] = [];
    for (const email of claimed) {
      const mine = parties.filter((p) => p.emailId === email.id);
      out.push(await this.toOutgoing(email, mine));
    }
    return out;
  }

  private async toOutgoing(email: EmailEntity, parties: EmailPartyEntity[]): Promise<OutgoingEmail> {
    const kind = email.ownerType as 'user' | 'queue';
    const owner = await this.records.find(kind, email.ownerId);
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
    const changed = await this.emails.markSent(outcome.emailId, normalizeMessageId(outcome.messageId) ?? outcome.messageId, outcome.deliveryAttempts, new Date());
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

function regardingOf(e: EmailEntity): RecordRef | undefined {
  return e.regardingType && e.regardingId ? { type: e.regardingType as RecordRef['type'], id: e.regardingId } : undefined;
}
