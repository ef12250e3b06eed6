import { z } from 'zod';
import { INCOMING_PROTOCOLS, REASON_CODES, VERDICT_OUTCOMES } from '@mailrouter/domain';
import { MailboxRefV1 } from './common';

/** incoming → crm-sync: a message was stored and is waiting for the CRM's verdict. */
export const MailReceivedV1 = z.object({
  /** Natural key: `<mailboxId>:imap:<uidvalidity>:<uid>` or `<mailboxId>:pop3:<uidl>`. */
  receivedId: z.string().min(1),
  mailbox: MailboxRefV1,
  deploymentId: z.string(),
  configVersion: z.number().int(),
  protocol: z.enum(INCOMING_PROTOCOLS),
  raw: z.object({
    bucket: z.string(),
    key: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
  }),
  receivedAt: z.string(),
});
export type MailReceivedV1 = z.infer<typeof MailReceivedV1>;

/** crm-sync → incoming: what the CRM decided, so the server-side message can be settled. */
export const MailVerdictV1 = z.object({
  receivedId: z.string().min(1),
  mailboxId: z.string(),
  outcome: z.enum(VERDICT_OUTCOMES),
  reason: z.enum(REASON_CODES),
  reasonText: z.string(),
  activityId: z.string().optional(),
  decidedAt: z.string(),
});
export type MailVerdictV1 = z.infer<typeof MailVerdictV1>;

const AddressV1 = z.object({ address: z.string(), name: z.string().optional() });

/** crm-sync → outgoing: send this CRM email. */
export const SendCommandV1 = z.object({
  emailId: z.string().min(1),
  /** How many times crm-sync has claimed this email (part of the Nats-Msg-Id). */
  claim: z.number().int().positive(),
  deploymentId: z.string(),
  mailboxId: z.string(),
  from: AddressV1,
  to: z.array(AddressV1),
  cc: z.array(AddressV1).default([]),
  bcc: z.array(AddressV1).default([]),
  /** The subject as composed in the CRM; outgoing adds the tracking token. */
  subject: z.string(),
  trackingToken: z.string().optional(),
  text: z.string().optional(),
  html: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()).default([]),
});
export type SendCommandV1 = z.infer<typeof SendCommandV1>;

/** outgoing → crm-sync: the final result of a send command. */
export const SendResultV1 = z.object({
  emailId: z.string().min(1),
  /** The deployment of the send command (whose CRM connector records the result); absent from older publishers. */
  deploymentId: z.string().optional(),
  outcome: z.enum(['sent', 'failed']),
  messageId: z.string(),
  deliveryAttempts: z.number().int().nonnegative(),
  reason: z.string().optional(),
  /** The server's last reply, e.g. `550 5.1.1 user unknown`. */
  serverResponse: z.string().optional(),
  /** Set when a redelivered command may have been sent before (see docs/adr/0003). */
  possibleDuplicate: z.boolean().default(false),
  completedAt: z.string(),
});
export type SendResultV1 = z.infer<typeof SendResultV1>;
