import { z } from 'zod';
import { MAILBOX_KINDS } from '@mailrouter/domain';
import { CrmConnectionV1, DEFAULT_DEPLOYMENT_TRACKING, DeploymentTrackingV1, MailEndpointV1 } from './common';

/**
 * A published configuration version: what `config` writes to the key-value bucket and the
 * other services switch to. Mailboxes carry their resolved endpoints (profile + whose
 * credentials), so a worker needs nothing else to reach a server.
 */
export const PublishedMailboxV1 = z.object({
  id: z.string(),
  deploymentId: z.string(),
  kind: z.enum(MAILBOX_KINDS),
  address: z.string(),
  crmId: z.string().optional(),
  enabled: z.boolean(),
  deleteAfterProcessing: z.boolean(),
  pollIntervalSeconds: z.number().int().positive(),
  incoming: MailEndpointV1.optional(),
  outgoing: MailEndpointV1.optional(),
});
export type PublishedMailboxV1 = z.infer<typeof PublishedMailboxV1>;

export const PublishedDeploymentV1 = z.object({
  id: z.string(),
  name: z.string(),
  crm: CrmConnectionV1,
  tracking: DeploymentTrackingV1.default(DEFAULT_DEPLOYMENT_TRACKING),
  incomingProfileId: z.string().optional(),
  outgoingProfileId: z.string().optional(),
});
export type PublishedDeploymentV1 = z.infer<typeof PublishedDeploymentV1>;

export const PublishedConfigV1 = z.object({
  schema: z.literal('mailrouter.config.v1'),
  version: z.number().int().positive(),
  publishedAt: z.string(),
  comment: z.string().optional(),
  deployments: z.array(PublishedDeploymentV1),
  mailboxes: z.array(PublishedMailboxV1),
});
export type PublishedConfigV1 = z.infer<typeof PublishedConfigV1>;
/** What a writer may leave out (defaults are filled in when it is parsed). */
export type PublishedConfigInputV1 = z.input<typeof PublishedConfigV1>;

/** Keys of the configuration key-value bucket. Changing one needs a migration plan. */
export const CONFIG_KV_KEYS = {
  current: 'current',
  version: (n: number) => `version.${n}`,
} as const;
