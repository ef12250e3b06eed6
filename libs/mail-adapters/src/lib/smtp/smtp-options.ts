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
  originalCode?: unknown;
  /** nodemailer's timeouts say which phase ran out: CONNECTION_TIMEOUT, GREETING_TIMEOUT, SOCKET_TIMEOUT. */
  timeoutType?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/**
 * nodemailer codes (and the socket's own, kept as `originalCode`) of a connection that went
 * away mid-conversation: closed, reset, or silent past the socket timeout. nodemailer does not
 * say which command was outstanding, so a drop before the message was sent looks the same as
 * one after the DATA terminator: both count as a delivery whose outcome is unknown.
 */
const MID_CONVERSATION_LOSS = new Set(['ECONNECTION', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

function deliveryUnknown(e: NodemailerError, responseCode: number | undefined): boolean {
  if (responseCode !== undefined) return false;
  // Connecting or waiting for the greeting: no message was on the wire yet.
  if (typeof e.timeoutType === 'string' && e.timeoutType !== 'SOCKET_TIMEOUT') return false;
  return [e.code, e.originalCode].some((c) => typeof c === 'string' && MID_CONVERSATION_LOSS.has(c));
}

/** A nodemailer error as a typed failure, with the server's own words when it spoke. */
export function smtpFailure(err: unknown): SendFailure {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as NodemailerError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const response = typeof e.response === 'string' && e.response.trim() ? e.response.trim() : message;
  return {
    ok: false, class: classifySmtpFailure({ responseCode, code }), responseCode, response,
    ...(deliveryUnknown(e, responseCode) ? { deliveryUnknown: true } : {}),
  };
}
