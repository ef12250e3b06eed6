import { Injectable } from '@nestjs/common';
import type {
  CrmTraceOutgoingV1, CrmTraceReceivedV1, CrmTraceReplyV1, TracePartyV1, TraceRequestV1,
} from '@mailrouter/contracts';
import { EMAIL_STATUSES, PARTY_ROLES, REASON_CODES, RECORD_TYPES, VERDICT_OUTCOMES } from '@mailrouter/domain';
import type { EmailEntity, EmailPartyEntity } from '../builtin-crm/entities/email.entity';
import type { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';
import { CrmTraceRepository } from './crm-trace.repository';

function oneOf<T extends string>(values: readonly T[], v: unknown): T | undefined {
  return values.includes(v as T) ? (v as T) : undefined;
}

function partyOf(p: EmailPartyEntity): TracePartyV1 {
  return {
    role: oneOf(PARTY_ROLES, p.role) ?? 'to',
    address: p.address,
    ...(p.name && { name: p.name }),
    ...(oneOf(RECORD_TYPES, p.recordType) && { recordType: oneOf(RECORD_TYPES, p.recordType) }),
    ...(p.recordId && { recordId: p.recordId }),
  };
}

/** The trail's own record of the parties (`[{role, address, records: [{type, id}]}]`), kept even when nothing was tracked. */
function trailParties(stored: unknown): TracePartyV1[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((raw): TracePartyV1[] => {
    const p = raw as { role?: unknown; address?: unknown; records?: { type?: unknown; id?: unknown }[] };
    const role = oneOf(PARTY_ROLES, p.role);
    if (!role || typeof p.address !== 'string') return [];
    const records = Array.isArray(p.records) ? p.records : [];
    if (records.length === 0) return [{ role, address: p.address }];
    return records.map((r) => ({
      role, address: p.address as string,
      ...(oneOf(RECORD_TYPES, r.type) && { recordType: oneOf(RECORD_TYPES, r.type) }),
      ...(typeof r.id === 'string' && { recordId: r.id }),
    }));
  });
}

/** The correlation rule that matched: the trail's column, else the rule named in the reason text. */
function correlationOf(row: ReceivedMailEntity): CrmTraceReceivedV1['verdict']['correlation'] {
  if (row.reason !== 'correlation-match' || !row.activityId) return undefined;
  const rule = row.correlationRule && row.correlationRule !== 'none' ? row.correlationRule : /\(([^()]+)\)\s*$/.exec(row.reasonText)?.[1];
  return rule ? { activityId: row.activityId, rule } : undefined;
}

function addressesOf(parties: TracePartyV1[], roles: string[]): string[] {
  return [...new Set(parties.filter((p) => roles.includes(p.role)).map((p) => p.address))];
}

/** Answers the trace RPC: why received mail was (not) tracked, and what became of CRM email. */
@Injectable()
export class CrmTraceUseCase {
  constructor(private readonly repo: CrmTraceRepository) {}

  async execute(q: TraceRequestV1): Promise<CrmTraceReplyV1> {
    const [received, outgoing] = await Promise.all([
      q.direction === 'outgoing' ? Promise.resolve([]) : this.repo.received(q),
      q.direction === 'incoming' ? Promise.resolve([]) : this.repo.outgoing(q),
    ]);
    const emailIds = [...received.flatMap((r) => (r.activityId ? [r.activityId] : [])), ...outgoing.map((e) => e.id)];
    const byEmail = new Map<string, TracePartyV1[]>();
    for (const p of await this.repo.parties(emailIds)) {
      byEmail.set(p.emailId, [...(byEmail.get(p.emailId) ?? []), partyOf(p)]);
    }
    return {
      received: received.map((r) => this.receivedItem(r, byEmail)),
      outgoing: outgoing.map((e) => this.outgoingItem(e, byEmail.get(e.id) ?? [])),
    };
  }

  private receivedItem(r: ReceivedMailEntity, byEmail: Map<string, TracePartyV1[]>): CrmTraceReceivedV1 {
    const activityParties = r.activityId ? byEmail.get(r.activityId) : undefined;
    const parties = activityParties?.length ? activityParties : trailParties(r.parties);
    const correlation = correlationOf(r);
    return {
      receivedId: r.receivedId,
      mailboxId: r.mailboxId,
      ...(r.messageId && { messageId: r.messageId }),
      ...(r.subject !== null && { subject: r.subject }),
      ...(r.fromAddress && { from: r.fromAddress }),
      to: addressesOf(parties, ['to', 'cc']),
      decidedAt: r.decidedAt.toISOString(),
      verdict: {
        outcome: oneOf(VERDICT_OUTCOMES, r.outcome) ?? 'quarantined',
        reason: oneOf(REASON_CODES, r.reason) ?? 'delivery-failed',
        reasonText: r.reasonText,
        ...(correlation && { correlation }),
      },
      ...(r.activityId && { activityId: r.activityId }),
      parties,
    };
  }

  private outgoingItem(e: EmailEntity, parties: TracePartyV1[]): CrmTraceOutgoingV1 {
    return {
      emailId: e.id,
      ...(e.messageId && { messageId: e.messageId }),
      subject: e.subject,
      ...(addressesOf(parties, ['from'])[0] && { from: addressesOf(parties, ['from'])[0] }),
      to: addressesOf(parties, ['to', 'cc', 'bcc']),
      status: oneOf(EMAIL_STATUSES, e.status) ?? 'failed',
      deliveryAttempts: e.deliveryAttempts,
      ...(e.failureReason && { failureReason: e.failureReason }),
      createdAt: e.createdAt.toISOString(),
      ...(e.sentAt && { sentAt: e.sentAt.toISOString() }),
    };
  }
}
