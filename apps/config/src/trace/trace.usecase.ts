import { Inject, Injectable } from '@nestjs/common';
import type { CrmTraceReplyV1, IncomingTraceReplyV1, TraceRequestV1 } from '@mailrouter/contracts';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { RpcOutcome, ServicesRpcRepository } from '../shared/services-rpc.repository';
import { mergeTrace, TraceAnswer, TraceMailbox, TraceService } from './trace.merge';
import type { TraceQuery } from './trace.schemas';

/**
 * "Why was this (not) tracked / sent": asks crm-sync (the trail, the CRM's email) and incoming
 * (what it found, published, settled) at once and merges their answers per message. A
 * service that does not answer makes the answer partial, never a failure.
 */
@Injectable()
export class TraceUseCase {
  constructor(
    private readonly services: ServicesRpcRepository,
    private readonly mailboxes: MailboxRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async trace(query: TraceQuery): Promise<TraceAnswer> {
    const request: TraceRequestV1 = { ...query };
    if (query.mailboxId) {
      const mailbox = await this.mailboxes.find(query.mailboxId);
      if (mailbox?.crmId) request.ownerId = mailbox.crmId;
    }
    const timeout = this.settings.traceTimeoutSeconds;
    const askIncoming = query.direction !== 'outgoing';
    const [crm, incoming] = await Promise.all([
      this.services.ask('crmTrace', request, timeout),
      askIncoming ? this.services.ask('incomingTrace', request, timeout) : Promise.resolve(undefined),
    ]);
    const problems: TraceAnswer['problems'] = [];
    const crmReply = this.replyOf('crm-sync', crm, problems);
    let incomingReply = this.replyOf('incoming', incoming, problems);
    if (crmReply && incomingReply) incomingReply = await this.withDecided(crmReply, incomingReply, problems);
    const items = mergeTrace(crmReply, incomingReply, await this.mailboxesOf(crmReply, incomingReply), query.limit);
    const missing = [...new Set(problems.map((p) => p.service))];
    return { items, partial: missing.length > 0, missing, problems };
  }

  /** incoming knows decided messages by receivedId only: ask it for those the CRM's trail matched. */
  private async withDecided(
    crm: CrmTraceReplyV1, incoming: IncomingTraceReplyV1, problems: TraceAnswer['problems'],
  ): Promise<IncomingTraceReplyV1> {
    const known = new Set(incoming.messages.map((m) => m.receivedId));
    const receivedIds = crm.received.map((r) => r.receivedId).filter((id) => !known.has(id));
    if (receivedIds.length === 0) return incoming;
    const more = await this.services.ask('incomingTrace', { limit: Math.max(1, receivedIds.length), receivedIds }, this.settings.traceTimeoutSeconds);
    const reply = this.replyOf('incoming', more, problems);
    return reply ? { messages: [...incoming.messages, ...reply.messages] } : incoming;
  }

  private replyOf<T>(service: TraceService, outcome: RpcOutcome<T> | undefined, problems: TraceAnswer['problems']): T | undefined {
    if (!outcome) return undefined;
    if (outcome.ok) return outcome.reply;
    problems.push({ service, message: outcome.timedOut ? `${service} ${outcome.message}` : `${service} answered with an error: ${outcome.message}` });
    return undefined;
  }

  private async mailboxesOf(crm?: CrmTraceReplyV1, incoming?: IncomingTraceReplyV1): Promise<Map<string, TraceMailbox>> {
    const ids = [...(crm?.received ?? []).map((r) => r.mailboxId), ...(incoming?.messages ?? []).map((m) => m.mailboxId)];
    const found = await this.mailboxes.findMany(ids);
    return new Map(found.map((m) => [m.id, { id: m.id, address: m.address, kind: m.kind }]));
  }
}
