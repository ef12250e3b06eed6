import type { ProfileEntity } from '../entities';
import { MANAGESIEVE_PORT, uses } from './exchange-profile.rules';
import type { ProfileDraft } from './profile.rules';

/**
 * A profile as the API shows it: never a secret, only whether there is one (`hasPassword`,
 * `graph.hasClientSecret`, `graph.certificate.hasPrivateKey`); protocol settings only where they apply.
 */
export function profileView(p: ProfileEntity) {
  const use = uses(p.direction, p.protocol);
  return {
    id: p.id,
    name: p.name,
    direction: p.direction,
    protocol: p.protocol,
    // With Autodiscover the server is each mailbox's own: no host to show.
    host: p.host || null,
    port: p.port,
    security: p.security,
    auth: { type: p.authType, ...(p.authType === 'ntlm' && { domain: p.authDomain }) },
    credentials: p.credentials,
    username: p.username,
    hasPassword: p.password !== null,
    ...(p.direction === 'incoming' && { pollIntervalSeconds: p.pollIntervalSeconds }),
    maxConnections: p.maxConnections,
    allowInvalidCertificates: p.allowInvalidCertificates,
    warnings: securityWarnings(p),
    ...(p.protocol === 'ews' && { ews: ewsView(p) }),
    ...(p.protocol === 'graph' && { graph: graphView(p) }),
    ...(use.sendAccess && { sendAccess: p.sendAccess ?? 'send-as', sendingAccount: p.sendingAccount }),
    ...(use.processedFolder && { processedFolder: p.processedFolder }),
    ...(use.manageSievePort && { manageSievePort: p.manageSievePort ?? MANAGESIEVE_PORT }),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type ProfileView = ReturnType<typeof profileView>;

/**
 * What weakens the connection's security, said where admins look (the profile, the console):
 * certificate verification is on unless a profile turns it off, explicitly.
 */
export function securityWarnings(p: Pick<ProfileEntity, 'allowInvalidCertificates' | 'security' | 'authType' | 'protocol'>): string[] {
  const warnings: string[] = [];
  if (p.allowInvalidCertificates) {
    warnings.push('certificate verification is off: anyone between the router and the server can pose as the server and read credentials and mail (test servers only)');
  }
  if (p.security === 'none' && p.authType !== 'none' && p.protocol !== 'graph') {
    warnings.push('no TLS: the credentials and the mail cross the network in clear text');
  }
  return warnings;
}

function ewsView(p: ProfileEntity) {
  const ews = p.ews ?? { autodiscover: false };
  return {
    url: ews.url ?? null,
    autodiscover: ews.autodiscover,
    autodiscoverUrl: ews.autodiscoverUrl ?? null,
    ...(p.credentials === 'profile' && { mailboxAccess: ews.mailboxAccess ?? 'impersonation' }),
  };
}

function graphView(p: ProfileEntity) {
  const g = p.graph ?? {};
  return {
    tenantId: g.tenantId ?? null,
    clientId: g.clientId ?? null,
    hasClientSecret: p.graphClientSecret !== null,
    certificate: g.certificateThumbprint ? { thumbprint: g.certificateThumbprint, hasPrivateKey: p.graphPrivateKey !== null } : null,
    authority: g.authority ?? null,
    baseUrl: g.baseUrl ?? null,
  };
}

export function profileDraftOf(p: ProfileEntity): ProfileDraft {
  return {
    name: p.name,
    direction: p.direction,
    protocol: p.protocol,
    host: p.host,
    port: p.port,
    security: p.security,
    authType: p.authType,
    authDomain: p.authDomain,
    credentials: p.credentials,
    username: p.username,
    hasPassword: p.password !== null,
    pollIntervalSeconds: p.pollIntervalSeconds,
    maxConnections: p.maxConnections,
    allowInvalidCertificates: p.allowInvalidCertificates,
    ews: p.ews,
    graph: p.graph,
    hasGraphClientSecret: p.graphClientSecret !== null,
    hasGraphPrivateKey: p.graphPrivateKey !== null,
    sendAccess: p.sendAccess,
    sendingAccount: p.sendingAccount,
    processedFolder: p.processedFolder,
    manageSievePort: p.manageSievePort,
  };
}
