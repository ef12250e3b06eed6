import type { ProfileEntity } from '../entities';
import type { ProfileDraft } from './profile.rules';

/** A profile as the API shows it: never the password, only whether there is one. */
export function profileView(p: ProfileEntity) {
  return {
    id: p.id,
    name: p.name,
    direction: p.direction,
    protocol: p.protocol,
    host: p.host,
    port: p.port,
    security: p.security,
    auth: { type: p.authType },
    credentials: p.credentials,
    username: p.username,
    hasPassword: p.password !== null,
    ...(p.direction === 'incoming' && { pollIntervalSeconds: p.pollIntervalSeconds }),
    maxConnections: p.maxConnections,
    allowInvalidCertificates: p.allowInvalidCertificates,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type ProfileView = ReturnType<typeof profileView>;

export function profileDraftOf(p: ProfileEntity): ProfileDraft {
  return {
    name: p.name,
    direction: p.direction,
    protocol: p.protocol,
    host: p.host,
    port: p.port,
    security: p.security,
    authType: p.authType,
    credentials: p.credentials,
    username: p.username,
    hasPassword: p.password !== null,
    pollIntervalSeconds: p.pollIntervalSeconds,
    maxConnections: p.maxConnections,
    allowInvalidCertificates: p.allowInvalidCertificates,
  };
}
