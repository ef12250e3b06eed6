import { z } from 'zod';
import { isPlainAddress, MAILBOX_KINDS, normalizeAddress } from '@mailrouter/domain';

const address = z
  .string()
  .trim()
  .refine(isPlainAddress, 'must be a valid e-mail address (name@example.com)')
  .transform(normalizeAddress);

const fields = {
  deploymentId: z.uuid(),
  kind: z.enum(MAILBOX_KINDS),
  address,
  name: z.string().trim().min(1).max(200).nullable(),
  crmId: z.string().trim().min(1).max(200).nullable(),
  username: z.string().trim().min(1).max(320).nullable(),
  password: z.string().min(1).max(1024).nullable(),
  incomingProfileId: z.uuid().nullable(),
  outgoingProfileId: z.uuid().nullable(),
  deleteAfterProcessing: z.boolean(),
  enabled: z.boolean(),
};

export const CreateMailboxBody = z.object({
  deploymentId: fields.deploymentId,
  kind: fields.kind,
  address: fields.address,
  name: fields.name.optional(),
  crmId: fields.crmId.optional(),
  username: fields.username.optional(),
  password: fields.password.optional(),
  incomingProfileId: fields.incomingProfileId.optional(),
  outgoingProfileId: fields.outgoingProfileId.optional(),
  deleteAfterProcessing: fields.deleteAfterProcessing.default(false),
  enabled: fields.enabled.default(true),
});
export type CreateMailboxBody = z.infer<typeof CreateMailboxBody>;

export const UpdateMailboxBody = z.object({
  deploymentId: fields.deploymentId.optional(),
  kind: fields.kind.optional(),
  address: fields.address.optional(),
  name: fields.name.optional(),
  crmId: fields.crmId.optional(),
  username: fields.username.optional(),
  password: fields.password.optional(),
  incomingProfileId: fields.incomingProfileId.optional(),
  outgoingProfileId: fields.outgoingProfileId.optional(),
  deleteAfterProcessing: fields.deleteAfterProcessing.optional(),
  enabled: fields.enabled.optional(),
});
export type UpdateMailboxBody = z.infer<typeof UpdateMailboxBody>;

export const MailboxListQuery = z.object({ deploymentId: z.uuid().optional() });
export type MailboxListQuery = z.infer<typeof MailboxListQuery>;
