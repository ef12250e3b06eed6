import type { MailEndpointV1, SealedSecretV1, TestResultV1 } from '@mailrouter/contracts';
import type { AuthType, CredentialSource, Direction, Protocol, Security } from '@mailrouter/domain';

/** What endpoint resolution reads of a profile, a mailbox and its deployment. */
export interface EndpointProfile {
  id: string;
  name: string;
  direction: Direction;
  protocol: Protocol;
  host: string;
  port: number;
  security: Security;
  authType: AuthType;
  credentials: CredentialSource;
  username: string | null;
  password: SealedSecretV1 | null;
  pollIntervalSeconds: number | null;
  maxConnections: number;
  allowInvalidCertificates: boolean;
}

export interface EndpointMailbox {
  address: string;
  username: string | null;
  password: SealedSecretV1 | null;
  incomingProfileId: string | null;
  outgoingProfileId: string | null;
}

export interface EndpointDeployment {
  incomingProfileId: string | null;
  outgoingProfileId: string | null;
}

export interface EndpointResolution {
  /** The profile in force, if any. */
  profile?: EndpointProfile;
  /** The endpoint (password sealed), when there is a profile of the right direction. */
  endpoint?: MailEndpointV1;
  /** Why access cannot be tried: `not-run` without a profile, `failure` when credentials are missing. */
  problem?: Pick<TestResultV1, 'status' | 'message'>;
}

/**
 * Resolves one direction of a mailbox: its own profile overrides the deployment's; the
 * credentials are the profile's or the mailbox's own (username defaulting to the address);
 * auth `none` carries none.
 */
export function resolveEndpoint(
  direction: Direction,
  mailbox: EndpointMailbox,
  deployment: EndpointDeployment,
  profileById: (id: string) => EndpointProfile | undefined,
): EndpointResolution {
  const profileId = direction === 'incoming'
    ? mailbox.incomingProfileId ?? deployment.incomingProfileId
    : mailbox.outgoingProfileId ?? deployment.outgoingProfileId;
  const profile = profileId ? profileById(profileId) : undefined;
  if (!profile) {
    return { problem: { status: 'not-run', message: `no ${direction} profile: set one on the deployment or on the mailbox` } };
  }
  if (profile.direction !== direction) {
    return {
      profile,
      problem: { status: 'failure', message: `profile '${profile.name}' is an ${profile.direction} profile, not ${direction}` },
    };
  }
  const auth = authOf(profile, mailbox);
  const endpoint: MailEndpointV1 = {
    profileId: profile.id,
    protocol: profile.protocol,
    host: profile.host,
    port: profile.port,
    security: profile.security,
    auth: auth.auth,
    allowInvalidCertificates: profile.allowInvalidCertificates,
    maxConnections: profile.maxConnections,
  };
  return auth.missing
    ? { profile, endpoint, problem: { status: 'failure', message: auth.missing } }
    : { profile, endpoint };
}

function authOf(profile: EndpointProfile, mailbox: EndpointMailbox): { auth: MailEndpointV1['auth']; missing?: string } {
  if (profile.authType === 'none') return { auth: { type: 'none' } };
  const fromProfile = profile.credentials === 'profile';
  const username = fromProfile ? profile.username ?? undefined : mailbox.username ?? mailbox.address;
  const password = (fromProfile ? profile.password : mailbox.password) ?? undefined;
  const lacking = [!username && 'username', !password && 'password'].filter(Boolean).join(' and ');
  const auth: MailEndpointV1['auth'] = { type: 'basic', ...(username && { username }), ...(password && { password }) };
  if (!lacking) return { auth };
  const missing = fromProfile
    ? `missing credentials: profile '${profile.name}' has no ${lacking}`
    : `missing credentials: the mailbox has no ${lacking} (profile '${profile.name}' uses each mailbox's own credentials)`;
  return { auth, missing };
}
