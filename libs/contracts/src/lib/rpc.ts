import { z } from 'zod';
import { DIRECTIONS, INCOMING_PROTOCOLS, EMAIL_STATUSES, PARTY_ROLES, REASON_CODES, RECORD_TYPES, VERDICT_OUTCOMES } from '@mailrouter/domain';
import { CrmConnectionV1, MailboxRefV1, MailEndpointV1, TestResultV1 } from './common';

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

/** The CRM record a quarantined message is attached to by hand (built-in CRM ids are UUIDs). */
export const AttachRegardingV1 = z.object({
  type: z.enum(RECORD_TYPES),
  id: z.string().min(1).max(200),
});
export type AttachRegardingV1 = z.infer<typeof AttachRegardingV1>;

/**
 * Attach by hand (config → incoming): an administrator decided where a quarantined message
 * belongs. incoming asks crm-sync (`crmAttach`) to deliver the stored message as an email
 * activity regarding `regarding`, owned by the mailbox's user or queue (or `ownerId`), then
 * settles the quarantined row as tracked. Idempotent: attaching again answers the same activity.
 */
export const QuarantineAttachRequestV1 = z.object({
  receivedId: z.string(),
  regarding: AttachRegardingV1,
  /** A CRM user or queue id; absent: the mailbox's owner. */
  ownerId: z.string().min(1).max(200).optional(),
  /** Who attached it (config's principal name), for the trail and the trace. */
  principal: z.string().min(1).max(200),
});
export type QuarantineAttachRequestV1 = z.infer<typeof QuarantineAttachRequestV1>;

/**
 * attached (existed: the activity was there already); record-not-found / owner-not-found: the
 * named CRM record is unknown; not-supported: the deployment's CRM cannot attach to a chosen
 * record through the router; the rest as QuarantineActionReplyV1.
 */
export const ATTACH_STATUSES = [
  'attached', 'not-found', 'not-quarantined', 'not-reprocessable', 'record-not-found', 'owner-not-found', 'not-supported', 'unparseable',
] as const;
export const QuarantineAttachReplyV1 = z.object({
  receivedId: z.string(),
  status: z.enum(ATTACH_STATUSES),
  activityId: z.string().optional(),
  existed: z.boolean().optional(),
  regarding: AttachRegardingV1.optional(),
  owner: z.object({ type: z.enum(RECORD_TYPES), id: z.string() }).optional(),
  message: z.string(),
});
export type QuarantineAttachReplyV1 = z.infer<typeof QuarantineAttachReplyV1>;

/**
 * incoming → crm-sync: deliver a stored received message as an email activity regarding a
 * chosen record, without the tracking decision (an administrator made it). The raw message is
 * read from the raw-mail store by `rawKey`, as for mail.received.
 */
export const CrmAttachRequestV1 = z.object({
  receivedId: z.string(),
  mailbox: MailboxRefV1,
  deploymentId: z.string().optional(),
  rawKey: z.string(),
  regarding: AttachRegardingV1,
  ownerId: z.string().optional(),
  principal: z.string(),
});
export type CrmAttachRequestV1 = z.infer<typeof CrmAttachRequestV1>;

export const CrmAttachReplyV1 = z.object({
  status: z.enum(['attached', 'record-not-found', 'owner-not-found', 'not-supported', 'unparseable']),
  activityId: z.string().optional(),
  existed: z.boolean().optional(),
  owner: z.object({ type: z.enum(RECORD_TYPES), id: z.string() }).optional(),
  /** The sentence recorded in the trail ("attached by hand by … to contact …"). */
  reasonText: z.string().optional(),
  message: z.string(),
});
export type CrmAttachReplyV1 = z.infer<typeof CrmAttachReplyV1>;

/**
 * Mailbox health (config → incoming, one request for every mailbox): the state of each mailbox
 * incoming serves — polls, failures, disablement (MAILBOX_DISABLE_AFTER_FAILURES) and backlog.
 */
export const MailboxHealthRequestV1 = z.object({
  /** Only these mailboxes (default: every mailbox of the published configuration incoming serves). */
  mailboxIds: z.array(z.string()).max(5000).optional(),
});
export type MailboxHealthRequestV1 = z.infer<typeof MailboxHealthRequestV1>;

/**
 * ok: the last poll succeeded (or none failed yet); failing: the last poll failed, the next comes
 * at the usual interval; backoff: polls failed in a row and the next is postponed by the failure
 * backoff; disabled: stopped after too many failures until re-enabled.
 */
export const MAILBOX_HEALTH_STATES = ['ok', 'failing', 'backoff', 'disabled'] as const;
export const MailboxHealthV1 = z.object({
  mailboxId: z.string(),
  address: z.string(),
  deploymentId: z.string(),
  /** The incoming profile of the published endpoint. */
  profileId: z.string().optional(),
  configVersion: z.number().int(),
  state: z.enum(MAILBOX_HEALTH_STATES),
  pollIntervalSeconds: z.number().int(),
  lastPollAt: z.string().optional(),
  nextPollAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  lastFailureAt: z.string().optional(),
  consecutiveFailures: z.number().int(),
  lastError: z.string().optional(),
  disabledAt: z.string().optional(),
  disabledReason: z.string().optional(),
  backlog: z.object({
    /** Published, the CRM's verdict not in yet. */
    awaitingVerdict: z.number().int(),
    /** Stored but never acknowledged by JetStream (the outbox, published again at the next poll). */
    unpublished: z.number().int(),
  }),
});
export type MailboxHealthV1 = z.infer<typeof MailboxHealthV1>;

export const MailboxHealthReplyV1 = z.object({
  /** The published configuration version incoming runs (absent before the first publish). */
  configVersion: z.number().int().optional(),
  /** MAILBOX_DISABLE_AFTER_FAILURES of the answering replica (0: never). */
  disableAfterFailures: z.number().int(),
  mailboxes: z.array(MailboxHealthV1),
});
export type MailboxHealthReplyV1 = z.infer<typeof MailboxHealthReplyV1>;

/**
 * Re-enable a mailbox disabled after repeated failures (config → incoming, after config's test
 * access succeeded): failures forgiven, polled at once, from its cursor.
 */
export const MailboxEnableRequestV1 = z.object({ mailboxId: z.string() });
export type MailboxEnableRequestV1 = z.infer<typeof MailboxEnableRequestV1>;

/** enabled: it was disabled and is polled now; not-disabled: nothing to lift (failures forgiven all the same); not-served: not in the published configuration. */
export const MAILBOX_ENABLE_STATUSES = ['enabled', 'not-disabled', 'not-served'] as const;
export const MailboxEnableReplyV1 = z.object({
  mailboxId: z.string(),
  status: z.enum(MAILBOX_ENABLE_STATUSES),
  message: z.string(),
});
export type MailboxEnableReplyV1 = z.infer<typeof MailboxEnableReplyV1>;

/**
 * Heartbeat (core NATS, fire-and-forget, not request-reply): every replica of every service
 * says it is alive every HEARTBEAT_INTERVAL_MS; config's health view lists the replicas seen
 * within HEARTBEAT_TTL_MS.
 */
export const HeartbeatV1 = z.object({
  app: z.string(),
  /** Unique per process: host:pid:random. */
  instance: z.string(),
  host: z.string(),
  startedAt: z.string(),
});
export type HeartbeatV1 = z.infer<typeof HeartbeatV1>;
