import { z } from 'zod';
import { AUTH_TYPES, MAILBOX_KINDS, SECURITY_MODES, TEST_STATUSES } from '@mailrouter/domain';

/** A secret sealed with AES-256-GCM under ROUTER_SECRET_KEY (see @mailrouter/platform). */
export const SealedSecretV1 = z.object({
  alg: z.literal('A256GCM'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecretV1 = z.infer<typeof SealedSecretV1>;

/** Everything a worker needs to reach a mail server for one mailbox, credentials sealed. */
export const MailEndpointV1 = z.object({
  profileId: z.string(),
  protocol: z.enum(['imap', 'pop3', 'smtp']),
  host: z.string(),
  port: z.number().int(),
  security: z.enum(SECURITY_MODES),
  auth: z.object({
    type: z.enum(AUTH_TYPES),
    username: z.string().optional(),
    password: SealedSecretV1.optional(),
  }),
  /** Accept self-signed certificates (test servers only). */
  allowInvalidCertificates: z.boolean().default(false),
  /** Most concurrent connections the router opens to this server. */
  maxConnections: z.number().int().positive().default(4),
});
export type MailEndpointV1 = z.infer<typeof MailEndpointV1>;

export const TestResultV1 = z.object({
  status: z.enum(TEST_STATUSES),
  message: z.string(),
  testedAt: z.string().optional(),
});
export type TestResultV1 = z.infer<typeof TestResultV1>;

export const MailboxRefV1 = z.object({
  id: z.string(),
  kind: z.enum(MAILBOX_KINDS),
  address: z.string(),
  crmId: z.string().optional(),
});
export type MailboxRefV1 = z.infer<typeof MailboxRefV1>;
