import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import {
  AUTH_TYPES, CREDENTIAL_SOURCES, DIRECTIONS, isPlainAddress, MAILBOX_ACCESS_TYPES, normalizeAddress, PROTOCOLS,
  SECURITY_MODES, SEND_ACCESS_TYPES,
} from '@mailrouter/domain';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** A PEM private key that node can read (PKCS#8 or PKCS#1, unencrypted): checked now, not when a worker first signs with it. */
const privateKeyPem = z
  .string()
  .max(16_384)
  .refine((pem) => {
    try {
      createPrivateKey(pem);
      return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);
    } catch {
      return false;
    }
  }, 'must be an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)');

/** SHA-1 (40) or SHA-256 (64) hex thumbprint as the Azure portal shows it; colons and spaces are dropped. */
const thumbprint = z
  .string()
  .transform((t) => t.replace(/[\s:]/g, '').toUpperCase())
  .refine((t) => /^[0-9A-F]{40}$/.test(t) || /^[0-9A-F]{64}$/.test(t), 'must be the certificate\'s SHA-1 (40) or SHA-256 (64) hex thumbprint');

const address = z
  .string()
  .trim()
  .refine(isPlainAddress, 'must be a valid e-mail address (name@example.com)')
  .transform(normalizeAddress);

/** EWS server: its URL, or Autodiscover; null removes a setting on PATCH. */
const EwsBody = z.strictObject({
  url: httpUrl.nullable().optional(),
  autodiscover: z.boolean().optional(),
  autodiscoverUrl: httpUrl.nullable().optional(),
  mailboxAccess: z.enum(MAILBOX_ACCESS_TYPES).nullable().optional(),
});
export type EwsBody = z.infer<typeof EwsBody>;

/** Graph app registration (client credentials). Secrets are write-only; null clears one. */
const GraphBody = z.strictObject({
  tenantId: z.string().trim().refine((t) => GUID.test(t) || DNS_NAME.test(t), 'must be the tenant GUID or its domain (contoso.onmicrosoft.com)').optional(),
  clientId: z.string().trim().regex(GUID, 'must be the application (client) id, a GUID').optional(),
  clientSecret: z.string().min(1).max(1024).nullable().optional(),
  certificate: z.strictObject({ thumbprint, privateKey: privateKeyPem.optional() }).nullable().optional(),
  authority: httpUrl.nullable().optional(),
  baseUrl: httpUrl.nullable().optional(),
});
export type GraphBody = z.infer<typeof GraphBody>;

/** Every field of a profile as the API accepts it; POST requires name, direction and protocol. */
const fields = {
  name: z.string().trim().min(1).max(200),
  direction: z.enum(DIRECTIONS),
  protocol: z.enum(PROTOCOLS),
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  security: z.enum(SECURITY_MODES),
  /** `{type}` as before; `domain` for NTLM (null removes it). */
  auth: z.object({ type: z.enum(AUTH_TYPES).optional(), domain: z.string().trim().min(1).max(255).nullable().optional() }),
  credentials: z.enum(CREDENTIAL_SOURCES),
  username: z.string().trim().min(1).max(320).nullable(),
  password: z.string().min(1).max(1024).nullable(),
  pollIntervalSeconds: z.number().int().min(1).max(86_400),
  maxConnections: z.number().int().min(1).max(1000),
  allowInvalidCertificates: z.boolean(),
  ews: EwsBody,
  graph: GraphBody,
  sendAccess: z.enum(SEND_ACCESS_TYPES),
  sendingAccount: address.nullable(),
  processedFolder: z.string().trim().min(1).max(255).nullable(),
  manageSievePort: z.number().int().min(1).max(65535),
};

export const CreateProfileBody = z.object({
  name: fields.name,
  direction: fields.direction,
  protocol: fields.protocol,
  /** Required for imap, pop3 and smtp (the profile rules say so); ews and graph derive it. */
  host: fields.host.optional(),
  port: fields.port.optional(),
  security: fields.security.optional(),
  auth: fields.auth.optional(),
  credentials: fields.credentials.optional(),
  username: fields.username.optional(),
  password: fields.password.optional(),
  pollIntervalSeconds: fields.pollIntervalSeconds.optional(),
  maxConnections: fields.maxConnections.optional(),
  allowInvalidCertificates: fields.allowInvalidCertificates.optional(),
  ews: fields.ews.optional(),
  graph: fields.graph.optional(),
  sendAccess: fields.sendAccess.optional(),
  sendingAccount: fields.sendingAccount.optional(),
  processedFolder: fields.processedFolder.optional(),
  manageSievePort: fields.manageSievePort.optional(),
});
export type CreateProfileBody = z.infer<typeof CreateProfileBody>;

export const UpdateProfileBody = CreateProfileBody.partial();
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;
