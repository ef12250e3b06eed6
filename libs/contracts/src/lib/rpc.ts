import { z } from 'zod';
import { DIRECTIONS, INCOMING_PROTOCOLS, EMAIL_STATUSES, PARTY_ROLES, REASON_CODES, RECORD_TYPES, VERDICT_OUTCOMES } from '@mailrouter/domain';
import { CrmConnectionV1, MailEndpointV1, TestResultV1 } from './common';

export const TestAccessRequestV1 = z.object({
  mailboxAddress: z.string(),
  endpoint: MailEndpointV1,
});
export type TestAccessRequestV1 = z.infer<typeof TestAccessRequestV1>;
export const TestAccessReplyV1 = TestResultV1;
export type TestAccessReplyV1 = TestResultV1;

/**
 * Rule deployment (the original's Rule Deployment Wizard): for each user mailbox, the server-side
 * rule that forwards its incoming mail to the forward mailbox (EWS inbox rule, Graph message rule,
 * Sieve script over ManageSieve). config → incoming, which holds the adapters.
 */
export const RuleDeployRequestV1 = z.object({
  action: z.enum(['deploy', 'remove']),
  /** The forward mailbox's address: where the rules forward to. */
  forwardAddress: z.string(),
  mailboxes: z.array(z.object({ mailboxId: z.string(), address: z.string(), endpoint: MailEndpointV1 })).min(1).max(500),
});
export type RuleDeployRequestV1 = z.infer<typeof RuleDeployRequestV1>;

/** created / updated / unchanged (deploy), removed / absent (remove), failed (with the server's words). */
export const RULE_CHANGES = ['created', 'updated', 'unchanged', 'removed', 'absent', 'failed'] as const;
export const RuleDeployReplyV1 = z.object({
  results: z.array(z.object({
    mailboxId: z.string(),
    address: z.string(),
    /** How the rule was deployed: ews (inbox rule), graph (message rule), sieve (ManageSieve script). */
    via: z.enum(['ews', 'graph', 'sieve']).optional(),
    change: z.enum(RULE_CHANGES),
    message: z.string(),
  })),
});
export type RuleDeployReplyV1 = z.infer<typeof RuleDeployReplyV1>;

export const LoadDataRequestV1 = z.object({
  deploymentId: z.string(),
  crm: CrmConnectionV1,
});
export type LoadDataRequestV1 = z.infer<typeof LoadDataRequestV1>;

export const LoadDataReplyV1 = z.object({
  records: z.array(
    z.object({
      crmId: z.string(),
      kind: z.enum(['user', 'queue']),
      name: z.string(),
      address: z.string(),
    }),
  ),
});
export type LoadDataReplyV1 = z.infer<typeof LoadDataReplyV1>;

export const MailboxStatusRequestV1 = z.object({ mailboxId: z.string() });
export type MailboxStatusRequestV1 = z.infer<typeof MailboxStatusRequestV1>;

export const MailboxStatusReplyV1 = z.object({
  mailboxId: z.string(),
  /** Whether the running incoming service serves this mailbox (published and enabled). */
  active: z.boolean(),
  configVersion: z.number().int().optional(),
  lastPollAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  nextPollAt: z.string().optional(),
  consecutiveFailures: z.number().int(),
  lastError: z.string().optional(),
  messages: z.object({
    seen: z.number().int(),
    tracked: z.number().int(),
    ignored: z.number().int(),
    quarantined: z.number().int(),
    awaitingVerdict: z.number().int(),
  }),
});
export type MailboxStatusReplyV1 = z.infer<typeof MailboxStatusReplyV1>;

/**
 * Trace: "why was this (not) tracked / sent". config asks crm-sync (`crmTrace`) and incoming
 * (`incomingTrace`) with the same filters and merges their answers per message.
 */
export const TraceRequestV1 = z.object({
  /** Normalised `<id@domain>`. */
  messageId: z.string().optional(),
  /** Normalised address: the sender or any party of the message. */
  address: z.string().optional(),
  /** Case-insensitive part of the subject. */
  subject: z.string().optional(),
  mailboxId: z.string().optional(),
  /** crm-sync: the CRM id of `mailboxId`'s user or queue (outgoing email belongs to an owner, not a mailbox). */
  ownerId: z.string().optional(),
  /** ISO timestamps bounding when the message was received (incoming) or created (outgoing). */
  since: z.string().optional(),
  until: z.string().optional(),
  direction: z.enum(DIRECTIONS).optional(),
  limit: z.number().int().min(1).max(500),
  /** incoming only: also answer for these received messages, whatever the other filters. */
  receivedIds: z.array(z.string()).max(500).optional(),
});
export type TraceRequestV1 = z.infer<typeof TraceRequestV1>;

export const TracePartyV1 = z.object({
  role: z.enum(PARTY_ROLES),
  address: z.string(),
  name: z.string().optional(),
  recordType: z.enum(RECORD_TYPES).optional(),
  recordId: z.string().optional(),
});
export type TracePartyV1 = z.infer<typeof TracePartyV1>;

/** crm-sync's trail of one received message: the CRM's verdict and the activity it made. */
export const CrmTraceReceivedV1 = z.object({
  receivedId: z.string(),
  mailboxId: z.string(),
  messageId: z.string().optional(),
  subject: z.string().optional(),
  from: z.string().optional(),
  to: z.array(z.string()),
  decidedAt: z.string(),
  verdict: z.object({
    outcome: z.enum(VERDICT_OUTCOMES),
    reason: z.enum(REASON_CODES),
    reasonText: z.string(),
    /** The correlation rule that matched (tracking token, In-Reply-To, References…), when the trail has it. */
    correlation: z.object({ activityId: z.string(), rule: z.string() }).optional(),
  }),
  activityId: z.string().optional(),
  parties: z.array(TracePartyV1),
});
export type CrmTraceReceivedV1 = z.infer<typeof CrmTraceReceivedV1>;

/** An email composed in the CRM and what became of it. */
export const CrmTraceOutgoingV1 = z.object({
  emailId: z.string(),
  messageId: z.string().optional(),
  subject: z.string(),
  from: z.string().optional(),
  to: z.array(z.string()),
  status: z.enum(EMAIL_STATUSES),
  deliveryAttempts: z.number().int(),
  failureReason: z.string().optional(),
  createdAt: z.string(),
  sentAt: z.string().optional(),
});
export type CrmTraceOutgoingV1 = z.infer<typeof CrmTraceOutgoingV1>;

export const CrmTraceReplyV1 = z.object({
  received: z.array(CrmTraceReceivedV1),
  outgoing: z.array(CrmTraceOutgoingV1),
});
export type CrmTraceReplyV1 = z.infer<typeof CrmTraceReplyV1>;

/** incoming's record of one message found on a server. */
export const IncomingTraceMessageV1 = z.object({
  receivedId: z.string(),
  mailboxId: z.string(),
  protocol: z.enum(INCOMING_PROTOCOLS),
  receivedAt: z.string(),
  size: z.number().int(),
  /** published (awaiting the verdict), verdict (awaiting settlement on the server), settled. */
  state: z.enum(['published', 'verdict', 'settled']),
  outcome: z.enum(VERDICT_OUTCOMES).optional(),
  /** A CRM reason code, or the router's own (`too-large`: never fetched nor published). */
  reason: z.string().optional(),
  reasonText: z.string().optional(),
  activityId: z.string().optional(),
  tooLarge: z.boolean(),
  verdictAt: z.string().optional(),
  settledAt: z.string().optional(),
  settleError: z.string().optional(),
  /** From the stored raw headers, when incoming still holds them (messages awaiting a verdict). */
  messageId: z.string().optional(),
  subject: z.string().optional(),
  from: z.string().optional(),
  to: z.array(z.string()).optional(),
});
export type IncomingTraceMessageV1 = z.infer<typeof IncomingTraceMessageV1>;

export const IncomingTraceReplyV1 = z.object({ messages: z.array(IncomingTraceMessageV1) });
export type IncomingTraceReplyV1 = z.infer<typeof IncomingTraceReplyV1>;

/**
 * Quarantine (config → incoming): received messages whose outcome is `quarantined` and that no
 * administrator has re-processed or discarded yet.
 */
export const QuarantineListRequestV1 = z.object({
  mailboxId: z.string().optional(),
  limit: z.number().int().min(1).max(500),
});
export type QuarantineListRequestV1 = z.infer<typeof QuarantineListRequestV1>;

export const QuarantinedMessageV1 = z.object({
  receivedId: z.string(),
  mailboxId: z.string(),
  protocol: z.enum(INCOMING_PROTOCOLS),
  /** The CRM's reason code, or the router's own (`too-large`). */
  reason: z.string().optional(),
  reasonText: z.string().optional(),
  /** When the quarantine verdict arrived (or the message was found, for one never published). */
  quarantinedAt: z.string(),
  receivedAt: z.string(),
  /** From the stored raw headers, when incoming still holds them. */
  messageId: z.string().optional(),
  subject: z.string().optional(),
  /** False when the message was never fetched (too large): nothing to publish again. */
  reprocessable: z.boolean(),
});
export type QuarantinedMessageV1 = z.infer<typeof QuarantinedMessageV1>;

export const QuarantineListReplyV1 = z.object({ messages: z.array(QuarantinedMessageV1) });
export type QuarantineListReplyV1 = z.infer<typeof QuarantineListReplyV1>;

/**
 * reprocess: published again as `<receivedId>#r<n>` so the CRM decides afresh; discard: settled
 * as discarded (kept for the trace). Both take the message off the quarantine list.
 */
export const QuarantineActionRequestV1 = z.object({
  receivedId: z.string(),
  action: z.enum(['reprocess', 'discard']),
});
export type QuarantineActionRequestV1 = z.infer<typeof QuarantineActionRequestV1>;

export const QUARANTINE_ACTION_STATUSES = ['reprocessed', 'discarded', 'not-found', 'not-quarantined', 'not-reprocessable'] as const;
export const QuarantineActionReplyV1 = z.object({
  receivedId: z.string(),
  status: z.enum(QUARANTINE_ACTION_STATUSES),
  /** reprocessed: the id the message is published under now. */
  newReceivedId: z.string().optional(),
  message: z.string(),
});
export type QuarantineActionReplyV1 = z.infer<typeof QuarantineActionReplyV1>;

/**
 * Backfill (config → incoming): the mailbox's next poll also takes the messages received since
 * `since` (IMAP: seen ones too; POP3: all), skipping those already received. incoming waits up
 * to `waitSeconds` for that poll to finish.
 */
export const BackfillRequestV1 = z.object({
  mailboxId: z.string(),
  since: z.string().datetime({ offset: true }),
  waitSeconds: z.number().min(0).max(60),
});
export type BackfillRequestV1 = z.infer<typeof BackfillRequestV1>;

export const BACKFILL_STATUSES = ['done', 'queued', 'failed', 'not-served', 'not-supported'] as const;
export const BackfillReplyV1 = z.object({
  mailboxId: z.string(),
  status: z.enum(BACKFILL_STATUSES),
  requestId: z.string().optional(),
  since: z.string().optional(),
  /** done: messages on the server since `since`; fresh: those not received before (published now). */
  found: z.number().int().optional(),
  fresh: z.number().int().optional(),
  message: z.string(),
});
export type BackfillReplyV1 = z.infer<typeof BackfillReplyV1>;
