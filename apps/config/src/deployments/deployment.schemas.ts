import { z } from 'zod';
import { CRM_TYPES } from '@mailrouter/domain';

export const CreateDeploymentBody = z.object({
  name: z.string().trim().min(1).max(200),
  crm: z.object({ type: z.enum(CRM_TYPES) }).default({ type: 'builtin' }),
  incomingProfileId: z.uuid().nullable().optional(),
  outgoingProfileId: z.uuid().nullable().optional(),
});
export type CreateDeploymentBody = z.infer<typeof CreateDeploymentBody>;

export const UpdateDeploymentBody = z.object({
  name: CreateDeploymentBody.shape.name.optional(),
  crm: z.object({ type: z.enum(CRM_TYPES) }).optional(),
  incomingProfileId: z.uuid().nullable().optional(),
  outgoingProfileId: z.uuid().nullable().optional(),
});
export type UpdateDeploymentBody = z.infer<typeof UpdateDeploymentBody>;
