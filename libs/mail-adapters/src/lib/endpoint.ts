import type { MailEndpointV1 } from '@mailrouter/contracts';
import { openSecret, type SecretKeys } from '@mailrouter/platform';

/** A mail server endpoint with its secrets opened, for the adapters only. Never log it. */
export interface ServerConnection {
  protocol: MailEndpointV1['protocol'];
  host: string;
  port: number;
  security: MailEndpointV1['security'];
  auth: { type: MailEndpointV1['auth']['type']; username?: string; password?: string; domain?: string };
  allowInvalidCertificates: boolean;
  maxConnections: number;
  /** The mailbox read or sent for (EWS/Graph address mailboxes by it). */
  mailbox?: string;
  ews?: MailEndpointV1['ews'];
  graph?: Omit<NonNullable<MailEndpointV1['graph']>, 'clientSecret' | 'certificate'> & {
    clientSecret?: string;
    certificate?: { thumbprint: string; privateKey: string };
  };
  sendAccess?: MailEndpointV1['sendAccess'];
  sendingAccount?: string;
  processedFolder?: string;
  manageSievePort?: number;
}

export interface AccessCheck {
  status: 'success' | 'failure';
  /** On failure, the server's own words (or the network error) — what an admin needs to act. */
  message: string;
}

export function openEndpoint(endpoint: MailEndpointV1, secretKey: SecretKeys): ServerConnection {
  const { graph } = endpoint;
  return {
    protocol: endpoint.protocol,
    host: endpoint.host,
    port: endpoint.port,
    security: endpoint.security,
    auth: {
      type: endpoint.auth.type,
      username: endpoint.auth.username,
      password: endpoint.auth.password ? openSecret(secretKey, endpoint.auth.password) : undefined,
      ...(endpoint.auth.domain ? { domain: endpoint.auth.domain } : {}),
    },
    allowInvalidCertificates: endpoint.allowInvalidCertificates,
    maxConnections: endpoint.maxConnections,
    ...(endpoint.mailbox ? { mailbox: endpoint.mailbox } : {}),
    ...(endpoint.ews ? { ews: endpoint.ews } : {}),
    ...(graph
      ? {
          graph: {
            tenantId: graph.tenantId,
            clientId: graph.clientId,
            ...(graph.authority ? { authority: graph.authority } : {}),
            ...(graph.baseUrl ? { baseUrl: graph.baseUrl } : {}),
            ...(graph.clientSecret ? { clientSecret: openSecret(secretKey, graph.clientSecret) } : {}),
            ...(graph.certificate
              ? { certificate: { thumbprint: graph.certificate.thumbprint, privateKey: openSecret(secretKey, graph.certificate.privateKey) } }
              : {}),
          },
        }
      : {}),
    ...(endpoint.sendAccess ? { sendAccess: endpoint.sendAccess } : {}),
    ...(endpoint.sendingAccount ? { sendingAccount: endpoint.sendingAccount } : {}),
    ...(endpoint.processedFolder ? { processedFolder: endpoint.processedFolder } : {}),
    ...(endpoint.manageSievePort ? { manageSievePort: endpoint.manageSievePort } : {}),
  };
}

/**
 * `host:port` — connections to one server share a pool/limit (`maxConnections`). Graph limits
 * concurrency per mailbox, not per host (every tenant shares graph.microsoft.com), so a Graph
 * endpoint's key is its mailbox's. EWS keeps the server's: Exchange throttles the account that
 * acts on all the mailboxes (EWSMaxConcurrency).
 */
export function serverKey(conn: Pick<ServerConnection, 'host' | 'port'> & { protocol?: string; mailbox?: string }): string {
  const server = `${conn.host.toLowerCase()}:${conn.port}`;
  return conn.protocol === 'graph' && conn.mailbox ? `${server}/${conn.mailbox.toLowerCase()}` : server;
}
