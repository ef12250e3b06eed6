import type { MailEndpointV1 } from '@mailrouter/contracts';
import { openSecret } from '@mailrouter/platform';

/** A mail server endpoint with its password opened, for the adapters only. Never log it. */
export interface ServerConnection {
  protocol: MailEndpointV1['protocol'];
  host: string;
  port: number;
  security: MailEndpointV1['security'];
  auth: { type: 'basic' | 'none'; username?: string; password?: string };
  allowInvalidCertificates: boolean;
  maxConnections: number;
}

export interface AccessCheck {
  status: 'success' | 'failure';
  /** On failure, the server's own words (or the network error) — what an admin needs to act. */
  message: string;
}

export function openEndpoint(endpoint: MailEndpointV1, secretKey: Buffer): ServerConnection {
  return {
    protocol: endpoint.protocol,
    host: endpoint.host,
    port: endpoint.port,
    security: endpoint.security,
    auth: {
      type: endpoint.auth.type,
      username: endpoint.auth.username,
      password: endpoint.auth.password ? openSecret(secretKey, endpoint.auth.password) : undefined,
    },
    allowInvalidCertificates: endpoint.allowInvalidCertificates,
    maxConnections: endpoint.maxConnections,
  };
}

/** `host:port:user` — connections to one server for one account share a pool/limit. */
export function serverKey(conn: Pick<ServerConnection, 'host' | 'port'>): string {
  return `${conn.host.toLowerCase()}:${conn.port}`;
}
