import { Injectable } from '@nestjs/common';
import { simpleParser, AddressObject } from 'mailparser';
import type { IncomingTraceMessageV1, IncomingTraceReplyV1, TraceRequestV1 } from '@mailrouter/contracts';
import { normalizeAddress, normalizeMessageId, VERDICT_OUTCOMES } from '@mailrouter/domain';
import { ReceivedMessageEntity, TOO_LARGE_REASON } from '../entities/received-message.entity';
import { IncomingTraceRepository } from './incoming-trace.repository';

/** Most messages awaiting a verdict whose stored headers one trace reads to match header filters. */
export const TRACE_MAX_HEADER_READS = 200;

interface Headers {
  messageId?: string;
  subject?: string;
  from?: string;
  to: string[];
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.flatMap((v) => (v.address ? [normalizeAddress(v.address)] : [])));
}

function matches(h: Headers, q: TraceRequestV1): boolean {
  if (q.messageId && h.messageId !== q.messageId) return false;
  if (q.subject && !(h.subject ?? '').toLowerCase().includes(q.subject.toLowerCase())) return false;
  if (q.address && h.from !== q.address && !h.to.includes(q.address)) return false;
  return true;
}

/**
 * Answers the trace RPC: what incoming found, published, and settled. Messages the CRM has
 * decided on are matched by config through their receivedIds (the CRM's trail knows their
 * headers); those still awaiting a verdict are matched here on their stored headers.
 */
@Injectable()
export class IncomingTraceUseCase {
  constructor(private readonly repo: IncomingTraceRepository) {}

  async execute(q: TraceRequestV1): Promise<IncomingTraceReplyV1> {
    if (q.direction === 'outgoing') return { messages: [] };
    // A lookup of named messages (config asks for those the CRM's trail matched).
    if (q.receivedIds) return { messages: (await this.repo.byIds(q.receivedIds)).map(messageOf) };
    const byHeaders = !!(q.messageId || q.address || q.subject);
    const listed = await this.repo.find(q, { awaitingOnly: byHeaders, limit: byHeaders ? TRACE_MAX_HEADER_READS : q.limit });
    const messages: IncomingTraceMessageV1[] = [];
    for (const m of listed) {
      const headers = m.rawKey ? await this.headers(m.rawKey) : undefined;
      if (byHeaders && !(headers && matches(headers, q))) continue;
      messages.push({ ...messageOf(m), ...headers });
      if (messages.length >= q.limit) break;
    }
    return { messages };
  }

  private async headers(rawKey: string): Promise<Headers | undefined> {
    const block = await this.repo.headerBlock(rawKey);
    if (!block) return undefined;
    const parsed = await simpleParser(Buffer.concat([block, Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true });
    const from = addresses(parsed.from)[0];
    return {
      ...(normalizeMessageId(parsed.messageId) && { messageId: normalizeMessageId(parsed.messageId) }),
      ...(parsed.subject !== undefined && { subject: parsed.subject }),
      ...(from && { from }),
      to: [...addresses(parsed.to), ...addresses(parsed.cc)],
    };
  }
}

function messageOf(m: ReceivedMessageEntity): IncomingTraceMessageV1 {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  const outcome = VERDICT_OUTCOMES.find((o) => o === m.outcome);
  return {
    receivedId: m.receivedId,
    mailboxId: m.mailboxId,
    protocol: m.protocol,
    receivedAt: m.receivedAt.toISOString(),
    size: m.size,
    state: m.state,
    ...(outcome && { outcome }),
    ...(m.reason && { reason: m.reason }),
    ...(m.reasonText && { reasonText: m.reasonText }),
    ...(m.activityId && { activityId: m.activityId }),
    tooLarge: m.reason === TOO_LARGE_REASON,
    ...(iso(m.verdictAt) && { verdictAt: iso(m.verdictAt) }),
    ...(iso(m.settledAt) && { settledAt: iso(m.settledAt) }),
    ...(m.settleError && { settleError: m.settleError }),
  };
}
