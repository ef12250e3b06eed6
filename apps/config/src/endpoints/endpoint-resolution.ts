import type { MailEndpointV1, SealedSecretV1, TestResultV1 } from '@mailrouter/contracts';
import type { AuthType, CredentialSource, Direction, Protocol, Security, SendAccess } from '@mailrouter/domain';
import type { StoredEwsSettings, StoredGraphSettings } from '../entities/profile.entity';
import { MANAGESIEVE_PORT, uses } from '../profiles/exchange-profile.rules';

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
  /** The settings below are absent (or null) where the protocol does not use them. */
  authDomain?: string | null;
  ews?: StoredEwsSettings | null;
  graph?: StoredGraphSettings | null;
  graphClientSecret?: SealedSecretV1 | null;
  graphPrivateKey?: SealedSecretV1 | null;
  sendAccess?: SendAccess | null;
  sendingAccount?: string | null;
  processedFolder?: string | null;
  manageSievePort?: number | null;
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
 * auth `none` carries none, Graph its app registration. EWS with Autodiscover is reached at
 * the mailbox's own domain.
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
  const auth = profile.protocol === 'graph' ? graphAuthOf(profile) : authOf(profile, mailbox);
  const endpoint: MailEndpointV1 = {
    profileId: profile.id,
    protocol: profile.protocol,
    ...serverOf(profile, mailbox.address),
    auth: auth.auth,
    allowInvalidCertificates: profile.allowInvalidCertificates,
    maxConnections: profile.maxConnections,
    mailbox: mailbox.address,
    ...protocolSettingsOf(profile),
    ...(auth.graph && { graph: auth.graph }),
  };
  return auth.missing
    ? { profile, endpoint, problem: { status: 'failure', message: auth.missing } }
    : { profile, endpoint };
}

/** An ews profile on Autodiscover has no server of its own: the mailbox's domain, over TLS. */
function serverOf(profile: EndpointProfile, address: string): Pick<MailEndpointV1, 'host' | 'port' | 'security'> {
  if (profile.protocol === 'ews' && !profile.ews?.url && !profile.host) {
    return { host: address.slice(address.lastIndexOf('@') + 1), port: 443, security: 'tls' };
  }
  return { host: profile.host, port: profile.port, security: profile.security };
}

/** EWS settings, send access, processed folder and ManageSieve port, where the profile uses them. */
function protocolSettingsOf(profile: EndpointProfile): Partial<MailEndpointV1> {
  const use = uses(profile.direction, profile.protocol);
  const ews = profile.protocol === 'ews' ? profile.ews ?? undefined : undefined;
  return {
    ...(ews && {
      ews: {
        ...(ews.url && { url: ews.url }),
        ...(!ews.url && ews.autodiscoverUrl && { autodiscoverUrl: ews.autodiscoverUrl }),
        // Present only when the profile's account opens the mailbox (impersonation or delegation).
        ...(profile.credentials === 'profile' && { mailboxAccess: ews.mailboxAccess ?? 'impersonation' }),
      },
    }),
    ...(use.sendAccess && {
      sendAccess: profile.sendAccess ?? 'send-as',
      ...(profile.sendingAccount && { sendingAccount: profile.sendingAccount }),
    }),
    ...(use.processedFolder && profile.processedFolder && { processedFolder: profile.processedFolder }),
    ...(use.manageSievePort && { manageSievePort: profile.manageSievePort ?? MANAGESIEVE_PORT }),
  };
}

interface ResolvedAuth {
  auth: MailEndpointV1['auth'];
  graph?: MailEndpointV1['graph'];
  missing?: string;
}

/** Graph signs in with the profile's app registration (client credentials): no user, no password. */
function graphAuthOf(profile: EndpointProfile): ResolvedAuth {
  const g = profile.graph ?? {};
  const certificate = g.certificateThumbprint && profile.graphPrivateKey
    ? { thumbprint: g.certificateThumbprint, privateKey: profile.graphPrivateKey }
    : undefined;
  const secret = profile.graphClientSecret ?? undefined;
  const lacking = [
    !g.tenantId && 'tenant id',
    !g.clientId && 'client id',
    !secret && !certificate && 'client secret or certificate',
  ].filter(Boolean).join(', ');
  const graph: MailEndpointV1['graph'] = {
    tenantId: g.tenantId ?? '',
    clientId: g.clientId ?? '',
    ...(secret && { clientSecret: secret }),
    ...(certificate && { certificate }),
    ...(g.authority && { authority: g.authority }),
    ...(g.baseUrl && { baseUrl: g.baseUrl }),
  };
  return {
    auth: { type: 'oauth2' },
    graph,
    ...(lacking && { missing: `missing credentials: profile '${profile.name}' has no Graph ${lacking}` }),
  };
}

function authOf(profile: EndpointProfile, mailbox: EndpointMailbox): ResolvedAuth {
  if (profile.authType === 'none') return { auth: { type: 'none' } };
  const fromProfile = profile.credentials === 'profile';
  const username = fromProfile ? profile.username ?? undefined : mailbox.username ?? mailbox.address;
  const password = (fromProfile ? profile.password : mailbox.password) ?? undefined;
  const domain = profile.authType === 'ntlm' ? profile.authDomain ?? undefined : undefined;
  const lacking = [!username && 'username', !password && 'password'].filter(Boolean).join(' and ');
  const auth: MailEndpointV1['auth'] = {
    type: profile.authType, ...(username && { username }), ...(password && { password }), ...(domain && { domain }),
  };
  if (!lacking) return { auth };
  const missing = fromProfile
    ? `missing credentials: profile '${profile.name}' has no ${lacking}`
    : `missing credentials: the mailbox has no ${lacking} (profile '${profile.name}' uses each mailbox's own credentials)`;
  return { auth, missing };
}
