import { z } from 'zod';
import { AUTH_TYPES, CREDENTIAL_SOURCES, DIRECTIONS, PROTOCOLS, SECURITY_MODES } from '@mailrouter/domain';

/** Every field of a profile as the API accepts it; POST requires the first four. */
const fields = {
  name: z.string().trim().min(1).max(200),
  direction: z.enum(DIRECTIONS),
  protocol: z.enum(PROTOCOLS),
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  security: z.enum(SECURITY_MODES),
  auth: z.object({ type: z.enum(AUTH_TYPES) }),
  credentials: z.enum(CREDENTIAL_SOURCES),
  username: z.string().trim().min(1).max(320).nullable(),
  password: z.string().min(1).max(1024).nullable(),
  pollIntervalSeconds: z.number().int().min(1).max(86_400),
  maxConnections: z.number().int().min(1).max(1000),
  allowInvalidCertificates: z.boolean(),
};

export const CreateProfileBody = z.object({
  name: fields.name,
  direction: fields.direction,
  protocol: fields.protocol,
  host: fields.host,
  port: fields.port.optional(),
  security: fields.security.optional(),
  auth: fields.auth.optional(),
  credentials: fields.credentials.optional(),
  username: fields.username.optional(),
  password: fields.password.optional(),
  pollIntervalSeconds: fields.pollIntervalSeconds.optional(),
  maxConnections: fields.maxConnections.optional(),
  allowInvalidCertificates: fields.allowInvalidCertificates.optional(),
});
export type CreateProfileBody = z.infer<typeof CreateProfileBody>;

export const UpdateProfileBody = CreateProfileBody.partial();
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;
