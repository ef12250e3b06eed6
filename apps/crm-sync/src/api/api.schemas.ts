import { z } from 'zod';
import { EMAIL_STATUSES, isPlainAddress, RECORD_TYPES } from '@mailrouter/domain';

const text = z.string().trim().min(1, 'is required');
const address = z.string().trim().refine(isPlainAddress, 'must be a plain e-mail address (name@domain)');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const userTracking = z.enum(['all', 'responses', 'crm-records', 'email-enabled']);
const queueTracking = z.enum(['all', 'responses', 'crm-records', 'email-enabled', 'none']);

export const UserBody = z.object({
  fullName: text, email: address, incomingTracking: userTracking.default('all'), emailRouter: z.boolean().default(true),
  emailAddressApproved: z.boolean().default(true),
});
export const QueueBody = z.object({
  name: text, email: address, incomingTracking: queueTracking.default('all'), emailRouter: z.boolean().default(true),
  emailAddressApproved: z.boolean().default(true),
});

const nonEmpty = (b: object) => Object.keys(b).length > 0;
/** PATCH /crm/v1/users/:id: the tracking option, the address approval, delivery by the router. */
export const UserPatch = z.strictObject({
  incomingTracking: userTracking.optional(), emailAddressApproved: z.boolean().optional(), emailRouter: z.boolean().optional(),
}).refine(nonEmpty, 'give at least one of incomingTracking, emailAddressApproved, emailRouter');
export const QueuePatch = z.strictObject({
  incomingTracking: queueTracking.optional(), emailAddressApproved: z.boolean().optional(), emailRouter: z.boolean().optional(),
}).refine(nonEmpty, 'give at least one of incomingTracking, emailAddressApproved, emailRouter');
export type OwnerPatch = z.infer<typeof UserPatch> | z.infer<typeof QueuePatch>;
export const OWNER_PATCHES = { users: { type: 'user', schema: UserPatch }, queues: { type: 'queue', schema: QueuePatch } } as const;

export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export type ListQuery = z.infer<typeof ListQuery>;
export const ContactBody = z.object({ fullName: text, email: address, accountId: uuid.optional() });
export const AccountBody = z.object({ name: text, email: address.optional() });
export const LeadBody = z.object({ fullName: text, email: address });

export const RECORD_BODIES = {
  users: { type: 'user', schema: UserBody },
  queues: { type: 'queue', schema: QueueBody },
  contacts: { type: 'contact', schema: ContactBody },
  accounts: { type: 'account', schema: AccountBody },
  leads: { type: 'lead', schema: LeadBody },
} as const;
export type RecordKind = keyof typeof RECORD_BODIES;
export type RecordBody = z.infer<(typeof RECORD_BODIES)[RecordKind]['schema']>;

export const ComposeBody = z
  .object({
    fromUserId: uuid.optional(),
    fromQueueId: uuid.optional(),
    to: z.array(address).min(1, 'needs at least one address'),
    cc: z.array(address).default([]),
    bcc: z.array(address).default([]),
    subject: z.string(),
    text: z.string().optional(),
    html: z.string().optional(),
    regarding: z.object({ type: z.enum(RECORD_TYPES), id: uuid }).optional(),
    inReplyTo: z.string().trim().min(3).optional(),
    send: z.boolean().default(false),
  })
  .superRefine((b, ctx) => {
    if (Boolean(b.fromUserId) === Boolean(b.fromQueueId)) {
      ctx.addIssue({ code: 'custom', path: ['fromUserId'], message: 'give exactly one of fromUserId and fromQueueId' });
    }
  });
export type ComposeBody = z.infer<typeof ComposeBody>;

export const EmailQuery = z.object({
  direction: z.enum(['incoming', 'outgoing']).optional(),
  status: z.enum(EMAIL_STATUSES).optional(),
  messageId: z.string().optional(),
  ownerId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type EmailQuery = z.infer<typeof EmailQuery>;

export const ReceivedQuery = z.object({
  mailboxId: z.string().optional(),
  messageId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ReceivedQuery = z.infer<typeof ReceivedQuery>;
