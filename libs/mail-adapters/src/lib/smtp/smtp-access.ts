import { createTransport } from 'nodemailer';
import type { AccessCheck, ServerConnection } from '../endpoint';
import { smtpFailure, smtpTransportOptions } from './smtp-options';

/**
 * Tries the outgoing access for real: connect, EHLO, STARTTLS when required, AUTH when the
 * endpoint has credentials (nodemailer's verify()). On failure, the server's own words,
 * e.g. `Invalid login: 535 5.7.8 Authentication credentials invalid`.
 */
export async function testOutgoingAccess(conn: ServerConnection): Promise<AccessCheck> {
  let transport: ReturnType<typeof createTransport> | undefined;
  try {
    transport = createTransport(smtpTransportOptions(conn));
    await transport.verify();
    const who = conn.auth.type === 'basic' ? `, signed in as ${conn.auth.username ?? ''}` : '';
    return { status: 'success', message: `SMTP ${conn.host}:${conn.port} accepted the connection${who}` };
  } catch (err) {
    const failure = smtpFailure(err);
    const e = err as { message?: unknown };
    // verify()'s message already carries the reply ("Invalid login: 535 …"); keep it whole.
    const message = typeof e?.message === 'string' && e.message.trim() ? e.message.trim() : failure.response;
    return { status: 'failure', message };
  } finally {
    transport?.close();
  }
}
