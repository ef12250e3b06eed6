import type {
  AuthType, CredentialSource, Direction, Protocol, Security, SendAccess,
} from '@mailrouter/domain';
import { INCOMING_PROTOCOLS, OUTGOING_PROTOCOLS } from '@mailrouter/domain';
import type { FieldProblem } from '@mailrouter/platform';
import type { StoredEwsSettings, StoredGraphSettings } from '../entities/profile.entity';
import {
  AUTH_TYPES_OF, draftEws, draftGraph, ewsProblems, exchangeServer, graphProblems, isExchange, MANAGESIEVE_PORT, uses,
} from './exchange-profile.rules';
import type { UpdateProfileBody } from './profile.schemas';

/** A profile's settings after defaults, before it is stored (secrets only as present or not). */
export interface ProfileDraft {
  name: string;
  direction: Direction;
  protocol: Protocol;
  /** imap/pop3/smtp: as given; ews/graph: from the URL ('' with Autodiscover: each mailbox's domain). */
  host: string;
  port: number;
  security: Security;
  authType: AuthType;
  /** NTLM only. */
  authDomain: string | null;
  credentials: CredentialSource;
  username: string | null;
  hasPassword: boolean;
  pollIntervalSeconds: number | null;
  maxConnections: number;
  allowInvalidCertificates: boolean;
  ews: StoredEwsSettings | null;
  graph: StoredGraphSettings | null;
  hasGraphClientSecret: boolean;
  hasGraphPrivateKey: boolean;
  sendAccess: SendAccess | null;
  sendingAccount: string | null;
  processedFolder: string | null;
  manageSievePort: number | null;
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
 * Settings another protocol or direction does not use are dropped when either changes.
 */
export function draftProfile(
  input: UpdateProfileBody,
  current: ProfileDraft | undefined,
  defaults: ProfileDefaults,
): ProfileDraft {
  const direction = input.direction ?? current?.direction ?? 'incoming';
  const protocol = input.protocol ?? current?.protocol ?? 'imap';
  const graph = protocol === 'graph';
  const authType = input.auth?.type ?? keptAuthType(protocol, current?.authType);
  const credentials = graph ? 'profile' : input.credentials ?? current?.credentials ?? 'mailbox';
  const ews = protocol === 'ews' ? draftEws(input.ews, current?.ews ?? null, credentials === 'profile') : null;
  const graphDraft = graph
    ? draftGraph(input.graph, current?.graph ?? null, { clientSecret: !!current?.hasGraphClientSecret, privateKey: !!current?.hasGraphPrivateKey })
    : undefined;
  const server = isExchange(protocol) ? exchangeServer(protocol, ews, graphDraft?.settings ?? null) : undefined;
  const use = uses(direction, protocol);
  return {
    name: input.name ?? current?.name ?? '',
    direction,
    protocol,
    ...(server ?? mailServer(input, current, protocol)),
    authType,
    authDomain: authType === 'ntlm' ? (input.auth?.domain === undefined ? current?.authDomain ?? null : input.auth.domain) : null,
    credentials,
    username: graph ? null : input.username === undefined ? current?.username ?? null : input.username,
    hasPassword: graph ? false : input.password === undefined ? current?.hasPassword ?? false : input.password !== null,
    pollIntervalSeconds:
      direction === 'incoming'
        ? input.pollIntervalSeconds ?? current?.pollIntervalSeconds ?? defaults.pollIntervalSeconds
        : null,
    maxConnections: input.maxConnections ?? current?.maxConnections ?? defaults.maxConnections,
    allowInvalidCertificates: input.allowInvalidCertificates ?? current?.allowInvalidCertificates ?? false,
    ews,
    graph: graphDraft?.settings ?? null,
    hasGraphClientSecret: graphDraft?.hasClientSecret ?? false,
    hasGraphPrivateKey: graphDraft?.hasPrivateKey ?? false,
    sendAccess: use.sendAccess ? input.sendAccess ?? current?.sendAccess ?? 'send-as' : null,
    sendingAccount: use.sendAccess ? (input.sendingAccount === undefined ? current?.sendingAccount ?? null : input.sendingAccount) : null,
    processedFolder: use.processedFolder ? (input.processedFolder === undefined ? current?.processedFolder ?? null : input.processedFolder) : null,
    manageSievePort: use.manageSievePort ? input.manageSievePort ?? current?.manageSievePort ?? MANAGESIEVE_PORT : null,
  };
}

/** The stored auth type while the protocol still speaks it, else the protocol's default. */
function keptAuthType(protocol: Protocol, current: AuthType | undefined): AuthType {
  const allowed = AUTH_TYPES_OF[protocol];
  return current && allowed.includes(current) ? current : allowed[0]!;
}

/** Host, port and security of an imap/pop3/smtp profile (a URL's port is not kept when leaving ews/graph). */
function mailServer(input: UpdateProfileBody, current: ProfileDraft | undefined, protocol: Protocol) {
  const wasMail = current && !isExchange(current.protocol);
  const security = input.security ?? (wasMail ? current.security : undefined) ?? 'tls';
  const keptPort = wasMail && current.port !== defaultPort(current.protocol, current.security) ? current.port : undefined;
  return {
    host: input.host ?? (wasMail ? current.host : ''),
    port: input.port ?? keptPort ?? defaultPort(protocol, security),
    security,
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
  problems.push(...serverProblems(draft, input), ...authProblems(draft, input), ...protocolSettingProblems(draft, input));
  return problems;
}

function serverProblems(draft: ProfileDraft, input: UpdateProfileBody): FieldProblem[] {
  if (!isExchange(draft.protocol)) {
    return draft.host ? [] : [{ field: 'host', message: `is required for protocol ${draft.protocol}` }];
  }
  const from = draft.protocol === 'ews' ? 'ews.url (or, with Autodiscover, each mailbox\'s domain)' : 'graph.baseUrl';
  return (['host', 'port', 'security'] as const)
    .filter((f) => input[f] !== undefined)
    .map((f) => ({ field: f, message: `is not set on an ${draft.protocol} profile: it comes from ${from}` }));
}

function authProblems(draft: ProfileDraft, input: UpdateProfileBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const allowed = AUTH_TYPES_OF[draft.protocol];
  if (input.auth?.type && !allowed.includes(input.auth.type)) {
    problems.push({ field: 'auth.type', message: `protocol ${draft.protocol} uses ${allowed.join(' or ')}, not ${input.auth.type}` });
  }
  if (input.auth?.domain && draft.authType !== 'ntlm') {
    problems.push({ field: 'auth.domain', message: "only with auth.type 'ntlm'" });
  }
  if (draft.protocol === 'graph') {
    if (input.credentials === 'mailbox') {
      problems.push({ field: 'credentials', message: "graph signs in as the profile's app registration (graph.clientSecret or graph.certificate), not as each mailbox" });
    }
    for (const f of ['username', 'password'] as const) {
      if (input[f]) problems.push({ field: f, message: 'is not used by graph: give graph.clientSecret or graph.certificate' });
    }
  } else if ((draft.authType === 'basic' || draft.authType === 'ntlm') && draft.credentials === 'profile') {
    if (!draft.username) problems.push({ field: 'username', message: "is required when credentials is 'profile'" });
    if (!draft.hasPassword) problems.push({ field: 'password', message: "is required when credentials is 'profile'" });
  }
  return problems;
}

function protocolSettingProblems(draft: ProfileDraft, input: UpdateProfileBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.ews !== undefined && draft.protocol !== 'ews') problems.push({ field: 'ews', message: 'only for protocol ews' });
  if (input.graph !== undefined && draft.protocol !== 'graph') problems.push({ field: 'graph', message: 'only for protocol graph' });
  if (draft.ews) problems.push(...ewsProblems(draft.ews, input.ews, draft.credentials === 'profile'));
  if (draft.protocol === 'graph') {
    problems.push(...graphProblems({ settings: draft.graph ?? {}, hasClientSecret: draft.hasGraphClientSecret, hasPrivateKey: draft.hasGraphPrivateKey }));
  }
  const use = uses(draft.direction, draft.protocol);
  const misplaced: [keyof typeof use, unknown, string][] = [
    ['sendAccess', input.sendAccess, 'only for outgoing ews and graph profiles'],
    ['processedFolder', input.processedFolder, 'only for incoming imap, ews and graph profiles (POP3 has no folders)'],
    ['manageSievePort', input.manageSievePort, 'only for incoming imap and pop3 profiles'],
  ];
  for (const [field, value, message] of misplaced) {
    if (value !== undefined && value !== null && !use[field]) problems.push({ field, message });
  }
  if (input.sendingAccount && !use.sendAccess) {
    problems.push({ field: 'sendingAccount', message: 'only for outgoing ews and graph profiles' });
  }
  if (draft.sendAccess === 'on-behalf') {
    if (!draft.sendingAccount) {
      problems.push({ field: 'sendingAccount', message: "is required when sendAccess is 'on-behalf' (it becomes the Sender)" });
    }
    if (draft.protocol === 'ews' && draft.credentials !== 'profile') {
      problems.push({ field: 'sendAccess', message: "'on-behalf' needs credentials 'profile': the profile's account sends for each user" });
    }
  }
  return problems;
}
