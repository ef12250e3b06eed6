import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { classifySmtpFailure } from '@mailrouter/domain';
import type { ServerConnection } from '../endpoint';
import type { SendFailure } from './mail-sender';

/** How long to wait for the TCP (and TLS) connection to be established. */
export const SMTP_CONNECTION_TIMEOUT_MS = 15_000;
/** How long to wait for the server's greeting after the connection is made. */
export const SMTP_GREETING_TIMEOUT_MS = 15_000;
/** How long a connection may stay silent before it is dropped (also ends idle pooled connections). */
export const SMTP_SOCKET_TIMEOUT_MS = 60_000;

/** nodemailer options for one server account: security, AUTH, certificate policy and timeouts. */
export function smtpTransportOptions(conn: ServerConnection): SMTPTransportOptions {
  if (conn.protocol !== 'smtp') throw new Error(`an SMTP sender cannot use a ${conn.protocol} endpoint`);
  const options: SMTPTransportOptions = {
    host: conn.host,
    port: conn.port,
    // tls: TLS from the first byte (465); starttls: upgrade is required; none: plaintext, no opportunistic upgrade.
    secure: conn.security === 'tls',
    requireTLS: conn.security === 'starttls',
    ignoreTLS: conn.security === 'none',
    tls: { rejectUnauthorized: !conn.allowInvalidCertificates },
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    logger: false,
  };
  if (conn.auth.type === 'basic') {
    options.auth = { user: conn.auth.username ?? '', pass: conn.auth.password ?? '' };
  }
  return options;
}

/** The pooled variant: at most `maxConnections` connections to the server for this account. */
export function smtpPoolOptions(conn: ServerConnection): SMTPPoolOptions {
  return { ...smtpTransportOptions(conn), pool: true, maxConnections: conn.maxConnections };
}

interface NodemailerError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** A nodemailer error as a typed failure, with the server's own words when it spoke. */
export function smtpFailure(err: unknown): SendFailure {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as NodemailerError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const response = typeof e.response === 'string' && e.response.trim() ? e.response.trim() : message;
  return { ok: false, class: classifySmtpFailure({ responseCode, code }), responseCode, response };
}
