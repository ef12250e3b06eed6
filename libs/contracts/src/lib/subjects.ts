import type { ZodType } from 'zod';
import { MailReceivedV1, MailVerdictV1, SendCommandV1, SendResultV1 } from './events';
import {
  BackfillReplyV1, BackfillRequestV1, CrmAttachReplyV1, CrmAttachRequestV1, QuarantineAttachReplyV1, QuarantineAttachRequestV1,
  QuarantineActionReplyV1, QuarantineActionRequestV1, QuarantineListReplyV1, QuarantineListRequestV1,
  CrmTraceReplyV1, IncomingTraceReplyV1, LoadDataReplyV1, LoadDataRequestV1, MailboxStatusReplyV1, MailboxStatusRequestV1,
  RuleDeployReplyV1, RuleDeployRequestV1, HeartbeatV1, MailboxEnableReplyV1, MailboxEnableRequestV1, MailboxHealthReplyV1, MailboxHealthRequestV1,
  TestAccessReplyV1, TestAccessRequestV1, TraceRequestV1,
} from './rpc';

/**
 * Every subject in one place. Values are relative to the deployment's prefix
 * (NATS_PREFIX, default `mr`): `mr.mail.received.v1`.
 * Changing a value needs a migration plan: old and new replicas must both be served.
 */
export const EVENTS = {
  /** JetStream, stream INBOUND. incoming → crm-sync. */
  mailReceived: { subject: 'mail.received.v1', stream: 'INBOUND', schema: MailReceivedV1 },
  /** JetStream, stream INBOUND. crm-sync → incoming. */
  mailVerdict: { subject: 'mail.verdict.v1', stream: 'INBOUND', schema: MailVerdictV1 },
  /** JetStream, stream OUTBOUND. crm-sync → outgoing. */
  sendCommand: { subject: 'send.command.v1', stream: 'OUTBOUND', schema: SendCommandV1 },
  /** JetStream, stream OUTBOUND. outgoing → crm-sync. */
  sendResult: { subject: 'send.result.v1', stream: 'OUTBOUND', schema: SendResultV1 },
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = (typeof EVENTS)[E]['schema'] extends ZodType<infer T>
  ? T
  : never;

/** Streams and the subjects they hold (relative to the prefix). */
export const STREAMS = {
  INBOUND: ['mail.>'],
  OUTBOUND: ['send.>'],
  /** Raw MIME (@mailrouter/messaging RawMailStore): up to 512 KiB one message per key; larger ones as SHA-256-checked chunks `raw.<key>.<i>` under a head written last (older releases' large ones: the rawMail object bucket, still read). */
  RAW_MAIL: ['raw.>'],
} as const;
export type StreamName = keyof typeof STREAMS;

/** Request-reply subjects (NestJS microservices NATS transport). */
export const RPCS = {
  incomingTestAccess: {
    subject: 'rpc.incoming.test-access.v1', request: TestAccessRequestV1, reply: TestAccessReplyV1,
  },
  outgoingTestAccess: {
    subject: 'rpc.outgoing.test-access.v1', request: TestAccessRequestV1, reply: TestAccessReplyV1,
  },
  crmLoadData: { subject: 'rpc.crm.load-data.v1', request: LoadDataRequestV1, reply: LoadDataReplyV1 },
  incomingMailboxStatus: {
    subject: 'rpc.incoming.mailbox-status.v1', request: MailboxStatusRequestV1, reply: MailboxStatusReplyV1,
  },
  /** config → crm-sync: the trail and the CRM's email for the trace API. */
  crmTrace: { subject: 'rpc.crm.trace.v1', request: TraceRequestV1, reply: CrmTraceReplyV1 },
  /** config → incoming: what incoming found, published and settled, for the trace API. */
  incomingTrace: { subject: 'rpc.incoming.trace.v1', request: TraceRequestV1, reply: IncomingTraceReplyV1 },
  /** config → incoming: deploy or remove the forward rules of user mailboxes. */
  incomingRules: { subject: 'rpc.incoming.rules.v1', request: RuleDeployRequestV1, reply: RuleDeployReplyV1 },
  /** config → incoming: the quarantined received messages. */
  incomingQuarantineList: { subject: 'rpc.incoming.quarantine-list.v1', request: QuarantineListRequestV1, reply: QuarantineListReplyV1 },
  /** config → incoming: re-process or discard one quarantined message. */
  incomingQuarantineAction: { subject: 'rpc.incoming.quarantine-action.v1', request: QuarantineActionRequestV1, reply: QuarantineActionReplyV1 },
  /** config → incoming: take a mailbox's messages since a date at its next poll. */
  incomingBackfill: { subject: 'rpc.incoming.backfill.v1', request: BackfillRequestV1, reply: BackfillReplyV1 },
  /** config → incoming: attach one quarantined message by hand to a chosen CRM record. */
  incomingQuarantineAttach: { subject: 'rpc.incoming.quarantine-attach.v1', request: QuarantineAttachRequestV1, reply: QuarantineAttachReplyV1 },
  /** incoming → crm-sync: deliver a stored message as an activity regarding a chosen record, without the tracking decision. */
  crmAttach: { subject: 'rpc.crm.attach.v1', request: CrmAttachRequestV1, reply: CrmAttachReplyV1 },
  /** config → incoming: every served mailbox's poll state, failures, disablement and backlog, in one answer. */
  incomingMailboxHealth: { subject: 'rpc.incoming.mailbox-health.v1', request: MailboxHealthRequestV1, reply: MailboxHealthReplyV1 },
  /** config → incoming: lift a mailbox's disablement (after a successful test access) and poll it at once. */
  incomingMailboxEnable: { subject: 'rpc.incoming.mailbox-enable.v1', request: MailboxEnableRequestV1, reply: MailboxEnableReplyV1 },
} as const;

/** Core NATS (no JetStream): every replica's heartbeat, `mr.heartbeat.v1`. Changing it needs a migration plan. */
export const HEARTBEAT = { subject: 'heartbeat.v1', schema: HeartbeatV1 } as const;
/** How often a replica says it is alive, and how long config keeps one it has not heard from. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TTL_MS = 30_000;

export type RpcName = keyof typeof RPCS;
export type RpcRequest<R extends RpcName> = (typeof RPCS)[R]['request'] extends ZodType<infer T> ? T : never;
export type RpcReply<R extends RpcName> = (typeof RPCS)[R]['reply'] extends ZodType<infer T> ? T : never;

/** Object store bucket of raw received MIME; key-value buckets of the configuration and of config's test-access jobs. */
export const BUCKETS = {
  rawMail: 'raw-mail',
  config: 'config',
  testAccessJobs: 'test-access-jobs',
} as const;

export function prefixed(prefix: string, relative: string): string {
  return `${prefix}.${relative}`;
}
export function streamName(prefix: string, stream: StreamName): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_${stream}`;
}
export function bucketName(prefix: string, bucket: keyof typeof BUCKETS): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-${BUCKETS[bucket]}`;
}
