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

/** POST /api/v1/mailboxes/rules/deploy: the users whose mail a server-side rule forwards to a forward mailbox. */
export const RulesDeployBody = z
  .strictObject({
    forwardMailboxId: z.uuid(),
    /** User mailboxes, by id. */
    mailboxIds: z.array(z.uuid()).min(1).max(10_000).optional(),
    /** Every enabled user mailbox of the forward mailbox's deployment. */
    all: z.boolean().optional(),
    action: z.enum(['deploy', 'remove']).default('deploy'),
  })
  .superRefine((body, ctx) => {
    if (body.mailboxIds && body.all) {
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'give either mailboxIds or all: true, not both' });
    } else if (!body.mailboxIds && !body.all) {
      ctx.addIssue({ code: 'custom', path: ['mailboxIds'], message: 'is required (or all: true for every enabled user mailbox)' });
    }
  });
export type RulesDeployBody = z.infer<typeof RulesDeployBody>;
