import type { AuthType, Direction, Protocol, Security } from '@mailrouter/domain';
import type { FieldProblem } from '@mailrouter/platform';
import type { StoredEwsSettings, StoredGraphSettings } from '../entities/profile.entity';
import type { EwsBody, GraphBody } from './profile.schemas';

/** Graph's root when a profile names none. */
export const GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
/** ManageSieve's registered port (RFC 5804). */
export const MANAGESIEVE_PORT = 4190;

export function isExchange(protocol: Protocol): protocol is 'ews' | 'graph' {
  return protocol === 'ews' || protocol === 'graph';
}

/** The auth types each protocol speaks; the first is its default. */
export const AUTH_TYPES_OF: Record<Protocol, readonly AuthType[]> = {
  imap: ['basic', 'none'],
  pop3: ['basic', 'none'],
  smtp: ['basic', 'none'],
  ews: ['basic', 'ntlm'],
  graph: ['oauth2'],
};

/** Which of the protocol-specific settings a direction + protocol uses. */
export function uses(direction: Direction, protocol: Protocol) {
  return {
    sendAccess: direction === 'outgoing' && isExchange(protocol),
    processedFolder: direction === 'incoming' && protocol !== 'pop3',
    manageSievePort: direction === 'incoming' && (protocol === 'imap' || protocol === 'pop3'),
  };
}

/** Host, port and security of a server known by its URL (`http:` means no TLS). */
export function serverOfUrl(url: string): { host: string; port: number; security: Security } {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : tls ? 443 : 80, security: tls ? 'tls' : 'none' };
}

/**
 * Where an ews/graph profile's server is: from the EWS URL or Graph's root; with Autodiscover
 * the host is found per mailbox (its domain), so the profile keeps none.
 */
export function exchangeServer(protocol: 'ews' | 'graph', ews: StoredEwsSettings | null, graph: StoredGraphSettings | null) {
  if (protocol === 'graph') return serverOfUrl(graph?.baseUrl ?? GRAPH_BASE_URL);
  if (ews?.url) return serverOfUrl(ews.url);
  return { host: '', port: 443, security: 'tls' as const };
}

/**
 * Merges an `ews` patch onto the stored settings. Setting a URL turns Autodiscover off and
 * turning Autodiscover on drops the URL, unless the same patch says otherwise (then it is refused).
 */
export function draftEws(input: EwsBody | undefined, current: StoredEwsSettings | null, profileCredentials: boolean): StoredEwsSettings {
  const base = current ?? { autodiscover: false };
  const autodiscover = input?.autodiscover ?? (input?.url ? false : base.autodiscover);
  const url = input?.url === null ? undefined : input?.url ?? (input?.autodiscover === true ? undefined : base.url);
  const autodiscoverUrl = input?.autodiscoverUrl === null
    ? undefined
    : input?.autodiscoverUrl ?? (autodiscover ? base.autodiscoverUrl : undefined);
  // null puts it back to the default.
  const chosen = input?.mailboxAccess === null ? undefined : input?.mailboxAccess ?? base.mailboxAccess;
  const mailboxAccess = profileCredentials ? chosen ?? 'impersonation' : undefined;
  return {
    ...(url && { url }),
    autodiscover,
    ...(autodiscoverUrl && { autodiscoverUrl }),
    ...(mailboxAccess && { mailboxAccess }),
  };
}

export function ewsProblems(ews: StoredEwsSettings, input: EwsBody | undefined, profileCredentials: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (ews.url && ews.autodiscover) {
    problems.push({ field: 'ews.autodiscover', message: 'give either ews.url or ews.autodiscover: true, not both' });
  }
  if (!ews.url && !ews.autodiscover) {
    problems.push({ field: 'ews.url', message: 'is required for protocol ews (or set ews.autodiscover: true)' });
  }
  if (ews.autodiscoverUrl && !ews.autodiscover) {
    problems.push({ field: 'ews.autodiscoverUrl', message: 'only with ews.autodiscover: true' });
  }
  if (input?.mailboxAccess && !profileCredentials) {
    problems.push({
      field: 'ews.mailboxAccess',
      message: "only when credentials is 'profile' (the profile's account opening each mailbox); with 'mailbox' each mailbox signs in itself",
    });
  }
  return problems;
}

/** What the profile holds of a Graph app registration after a patch, secrets as present or not. */
export interface GraphDraft {
  settings: StoredGraphSettings;
  hasClientSecret: boolean;
  hasPrivateKey: boolean;
}

export function draftGraph(
  input: GraphBody | undefined,
  current: StoredGraphSettings | null,
  had: { clientSecret: boolean; privateKey: boolean },
): GraphDraft {
  const base = current ?? {};
  const pick = <K extends 'authority' | 'baseUrl'>(k: K) => (input?.[k] === null ? undefined : input?.[k] ?? base[k]);
  const certificate = input?.certificate;
  const thumbprint = certificate === null ? undefined : certificate?.thumbprint ?? base.certificateThumbprint;
  const hasPrivateKey = certificate === null ? false : certificate?.privateKey !== undefined || had.privateKey;
  const hasClientSecret = input?.clientSecret === undefined ? had.clientSecret : input.clientSecret !== null;
  const settings: StoredGraphSettings = {
    ...((input?.tenantId ?? base.tenantId) && { tenantId: input?.tenantId ?? base.tenantId }),
    ...((input?.clientId ?? base.clientId) && { clientId: input?.clientId ?? base.clientId }),
    ...(thumbprint && { certificateThumbprint: thumbprint }),
    ...(pick('authority') && { authority: pick('authority') }),
    ...(pick('baseUrl') && { baseUrl: pick('baseUrl') }),
  };
  return { settings, hasClientSecret, hasPrivateKey };
}

export function graphProblems(graph: GraphDraft): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { settings } = graph;
  if (!settings.tenantId) problems.push({ field: 'graph.tenantId', message: 'is required for protocol graph' });
  if (!settings.clientId) problems.push({ field: 'graph.clientId', message: 'is required for protocol graph' });
  const certificate = !!settings.certificateThumbprint;
  if (certificate && !graph.hasPrivateKey) {
    problems.push({ field: 'graph.certificate.privateKey', message: 'is required with a certificate' });
  }
  if (!certificate && !graph.hasClientSecret) {
    problems.push({ field: 'graph.clientSecret', message: 'is required for protocol graph (or give graph.certificate)' });
  }
  if (certificate && graph.hasClientSecret) {
    problems.push({
      field: 'graph.certificate',
      message: 'give either graph.clientSecret or graph.certificate, not both (send clientSecret: null to switch to a certificate)',
    });
  }
  return problems;
}
