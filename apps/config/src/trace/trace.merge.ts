import type {
  CrmTraceOutgoingV1, CrmTraceReceivedV1, CrmTraceReplyV1, IncomingTraceMessageV1, IncomingTraceReplyV1, TracePartyV1,
} from '@mailrouter/contracts';

export const TRACE_STAGES = ['awaiting-verdict', 'tracked', 'ignored', 'quarantined', 'settled'] as const;
export type TraceStage = (typeof TRACE_STAGES)[number];

export interface TraceMailbox {
  id: string;
  address?: string;
  kind?: string;
}

/** A received message: where it is on its way, and the CRM's verdict with why. */
export interface IncomingTraceItem {
  direction: 'incoming';
  receivedId: string;
  messageId?: string;
  subject?: string;
  from?: string;
  to: string[];
  mailbox: TraceMailbox;
  receivedAt?: string;
  /** awaiting-verdict (published, no verdict yet); tracked / ignored / quarantined (decided, not yet settled on the server); settled. */
  stage: TraceStage;
  verdict?: {
    outcome: string;
    reason: string;
    reasonText: string;
    decidedAt?: string;
    correlation?: { activityId: string; rule: string };
  };
  activityId?: string;
  parties: TracePartyV1[];
  /** What incoming did on the server (absent when incoming did not answer or no longer knows it). */
  server?: { state: IncomingTraceMessageV1['state']; size: number; tooLarge: boolean; settledAt?: string; settleError?: string };
}

/** An email composed in the CRM and what became of it. */
export interface OutgoingTraceItem {
  direction: 'outgoing';
  emailId: string;
  messageId?: string;
  subject: string;
  from?: string;
  to: string[];
  status: CrmTraceOutgoingV1['status'];
  deliveryAttempts: number;
  failureReason?: string;
  createdAt: string;
  sentAt?: string;
}

export type TraceItem = IncomingTraceItem | OutgoingTraceItem;

export type TraceService = 'crm-sync' | 'incoming';

export interface TraceAnswer {
  items: TraceItem[];
  /** True when a service did not answer: the items are what the others knew. */
  partial: boolean;
  missing: TraceService[];
  problems: { service: TraceService; message: string }[];
}

function stageOf(crm: CrmTraceReceivedV1 | undefined, inc: IncomingTraceMessageV1 | undefined): TraceStage {
  if (inc?.state === 'settled' && !inc.tooLarge) return 'settled';
  const outcome = crm?.verdict.outcome ?? inc?.outcome;
  if (outcome) return outcome;
  return 'awaiting-verdict';
}

function incomingItem(
  crm: CrmTraceReceivedV1 | undefined,
  inc: IncomingTraceMessageV1 | undefined,
  mailboxes: Map<string, TraceMailbox>,
): IncomingTraceItem {
  const receivedId = (crm?.receivedId ?? inc?.receivedId)!;
  const mailboxId = (crm?.mailboxId ?? inc?.mailboxId)!;
  const verdict: IncomingTraceItem['verdict'] = crm
    ? { ...crm.verdict, decidedAt: crm.decidedAt }
    : inc?.outcome && inc.reason
      ? { outcome: inc.outcome, reason: inc.reason, reasonText: inc.reasonText ?? '', ...(inc.verdictAt && { decidedAt: inc.verdictAt }) }
      : undefined;
  const activityId = crm?.activityId ?? inc?.activityId;
  const messageId = crm?.messageId ?? inc?.messageId;
  const subject = crm?.subject ?? inc?.subject;
  const from = crm?.from ?? inc?.from;
  const receivedAt = inc?.receivedAt;
  return {
    direction: 'incoming',
    receivedId,
    ...(messageId && { messageId }),
    ...(subject !== undefined && { subject }),
    ...(from && { from }),
    to: crm?.to.length ? crm.to : inc?.to ?? crm?.to ?? [],
    mailbox: mailboxes.get(mailboxId) ?? { id: mailboxId },
    ...(receivedAt && { receivedAt }),
    stage: stageOf(crm, inc),
    ...(verdict && { verdict }),
    ...(activityId && { activityId }),
    parties: crm?.parties ?? [],
    ...(inc && {
      server: {
        state: inc.state, size: inc.size, tooLarge: inc.tooLarge,
        ...(inc.settledAt && { settledAt: inc.settledAt }), ...(inc.settleError && { settleError: inc.settleError }),
      },
    }),
  };
}

function timeOf(item: TraceItem): string {
  return item.direction === 'incoming' ? item.receivedAt ?? item.verdict?.decidedAt ?? '' : item.createdAt;
}

/**
 * Merges crm-sync's and incoming's answers per received message (by receivedId), adds the
 * outgoing email, newest first, at most `limit` items.
 */
export function mergeTrace(
  crm: CrmTraceReplyV1 | undefined,
  incoming: IncomingTraceReplyV1 | undefined,
  mailboxes: Map<string, TraceMailbox>,
  limit: number,
): TraceItem[] {
  const fromCrm = new Map((crm?.received ?? []).map((r) => [r.receivedId, r]));
  const fromIncoming = new Map((incoming?.messages ?? []).map((m) => [m.receivedId, m]));
  const ids = [...new Set([...fromCrm.keys(), ...fromIncoming.keys()])];
  const items: TraceItem[] = [
    ...ids.map((id) => incomingItem(fromCrm.get(id), fromIncoming.get(id), mailboxes)),
    ...(crm?.outgoing ?? []).map((e): OutgoingTraceItem => ({ direction: 'outgoing', ...e })),
  ];
  return items.sort((a, b) => timeOf(b).localeCompare(timeOf(a))).slice(0, limit);
}
