import type {
  AuthType, CredentialSource, Direction, Protocol, Security,
} from '@mailrouter/domain';
import { INCOMING_PROTOCOLS, OUTGOING_PROTOCOLS } from '@mailrouter/domain';
import type { FieldProblem } from '@mailrouter/platform';
import type { UpdateProfileBody } from './profile.schemas';

/** A profile's settings after defaults, before it is stored (the password only as present or not). */
export interface ProfileDraft {
  name: string;
  direction: Direction;
  protocol: Protocol;
  host: string;
  port: number;
  security: Security;
  authType: AuthType;
  credentials: CredentialSource;
  username: string | null;
  hasPassword: boolean;
  pollIntervalSeconds: number | null;
  maxConnections: number;
  allowInvalidCertificates: boolean;
}

export interface ProfileDefaults {
  pollIntervalSeconds: number;
  maxConnections: number;
}

/** The usual port of a protocol over a security mode. */
export function defaultPort(protocol: Protocol, security: Security): number {
  switch (protocol) {
    case 'imap':
      return security === 'tls' ? 993 : 143;
    case 'pop3':
      return security === 'tls' ? 995 : 110;
    case 'smtp':
      return security === 'tls' ? 465 : security === 'starttls' ? 587 : 25;
    case 'ews':
    case 'graph':
      return security === 'none' ? 80 : 443;
  }
}

/**
 * Applies a create (no `current`) or a partial update to a profile. A port left at its
 * protocol's default follows a change of protocol or security; an explicit one stays.
 */
export function draftProfile(
  input: UpdateProfileBody,
  current: ProfileDraft | undefined,
  defaults: ProfileDefaults,
): ProfileDraft {
  const direction = input.direction ?? current?.direction ?? 'incoming';
  const protocol = input.protocol ?? current?.protocol ?? 'imap';
  const security = input.security ?? current?.security ?? 'tls';
  const keptPort = current && current.port !== defaultPort(current.protocol, current.security) ? current.port : undefined;
  const password = input.password === undefined ? current?.hasPassword ?? false : input.password !== null;
  return {
    name: input.name ?? current?.name ?? '',
    direction,
    protocol,
    host: input.host ?? current?.host ?? '',
    port: input.port ?? keptPort ?? defaultPort(protocol, security),
    security,
    authType: input.auth?.type ?? current?.authType ?? 'basic',
    credentials: input.credentials ?? current?.credentials ?? 'mailbox',
    username: input.username === undefined ? current?.username ?? null : input.username,
    hasPassword: password,
    pollIntervalSeconds:
      direction === 'incoming'
        ? input.pollIntervalSeconds ?? current?.pollIntervalSeconds ?? defaults.pollIntervalSeconds
        : null,
    maxConnections: input.maxConnections ?? current?.maxConnections ?? defaults.maxConnections,
    allowInvalidCertificates: input.allowInvalidCertificates ?? current?.allowInvalidCertificates ?? false,
  };
}

/** The rules that span fields; each problem names the field to fix. */
export function profileProblems(draft: ProfileDraft, input: UpdateProfileBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const allowed: readonly Protocol[] = draft.direction === 'incoming' ? INCOMING_PROTOCOLS : OUTGOING_PROTOCOLS;
  if (!allowed.includes(draft.protocol)) {
    problems.push({ field: 'protocol', message: `an ${draft.direction} profile uses ${allowed.join(' or ')}, not ${draft.protocol}` });
  }
  if (draft.direction === 'outgoing' && input.pollIntervalSeconds !== undefined) {
    problems.push({ field: 'pollIntervalSeconds', message: 'only incoming profiles are polled' });
  }
  if (draft.authType === 'basic' && draft.credentials === 'profile') {
    if (!draft.username) {
      problems.push({ field: 'username', message: "is required when credentials is 'profile'" });
    }
    if (!draft.hasPassword) {
      problems.push({ field: 'password', message: "is required when credentials is 'profile'" });
    }
  }
  return problems;
}
