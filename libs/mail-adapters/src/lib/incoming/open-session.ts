import type { AccessCheck, ServerConnection } from '../endpoint';
import { openEwsSession } from '../ews/ews-session';
import { testEwsAccess } from '../ews/ews-access';
import { openGraphSession } from '../graph/graph-session';
import { testGraphAccess } from '../graph/graph-access';
import { ImapMailboxSession } from './imap-session';
import { MailboxSession, resolveSessionOptions, serverMessage, SessionOptions } from './mailbox-session';
import { Pop3MailboxSession } from './pop3-session';

/** Connects, authenticates and opens INBOX with the protocol's reader (IMAP, POP3, EWS, Graph). */
export async function openMailboxSession(conn: ServerConnection, options: SessionOptions = {}): Promise<MailboxSession> {
  const opts = resolveSessionOptions(options);
  switch (conn.protocol) {
    case 'imap':
      return ImapMailboxSession.open(conn, opts);
    case 'pop3':
      return Pop3MailboxSession.open(conn, opts);
    case 'ews':
      return openEwsSession(conn, opts);
    case 'graph':
      return openGraphSession(conn, opts);
    default:
      throw new Error(`${conn.protocol} is not an incoming protocol (imap, pop3, ews or graph)`);
  }
}

/**
 * Test access for real: connect, authenticate, open INBOX, log out. On failure, the server's
 * own words ("Authentication failed.") or the network error ("connect ECONNREFUSED …").
 */
export async function testIncomingAccess(conn: ServerConnection, options: SessionOptions = {}): Promise<AccessCheck> {
  // EWS and Graph: a real call on the Inbox folder, with the server's (or Autodiscover's / the token endpoint's) words.
  if (conn.protocol === 'ews') return testEwsAccess(conn, 'incoming', { timeoutMs: options.commandTimeoutMs });
  if (conn.protocol === 'graph') return testGraphAccess(conn, 'incoming', options);
  let session: MailboxSession;
  try {
    session = await openMailboxSession(conn, options);
  } catch (err) {
    return { status: 'failure', message: serverMessage(err) };
  }
  try {
    await session.close();
    return {
      status: 'success',
      message: `Opened INBOX on ${conn.host}:${conn.port} over ${conn.protocol.toUpperCase()} as ${conn.auth.username ?? '(no user)'}`,
    };
  } catch (err) {
    session.abort();
    return { status: 'failure', message: serverMessage(err) };
  }
}
