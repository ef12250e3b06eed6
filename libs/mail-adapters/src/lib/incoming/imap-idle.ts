import { ImapFlow } from 'imapflow';
import type { ServerConnection } from '../endpoint';
import { resolveSessionOptions, serverMessage, SessionOptions, withTimeout } from './mailbox-session';
import { imapClientOptions } from './imap-session';

/** RFC 2177: a client should re-issue IDLE at least every 29 minutes; NATs drop quiet TCP sooner. */
export const DEFAULT_IDLE_RESTART_MS = 5 * 60_000;

export interface IdleWatchOptions extends SessionOptions {
  /** IDLE is ended (DONE) and re-issued this often, which also proves the connection alive. */
  restartMs?: number;
}

/** The server does not announce IDLE: the mailbox is served by polling only. */
export class IdleNotSupportedError extends Error {
  constructor(host: string) {
    super(`${host} does not support IMAP IDLE`);
    this.name = 'IdleNotSupportedError';
  }
}

/**
 * A held IMAP connection on INBOX (EXAMINE: read-only, flags untouched) in IDLE. It only
 * tells that mail arrived; reading it stays with the normal poll, so the UID cursor remains the
 * single source of truth and nothing is lost when this connection drops.
 */
export interface IdleWatch {
  /** Settles when the connection is gone (dropped by the server or the network, or stopped), with the reason. */
  readonly ended: Promise<string>;
  /** Logs out (or drops the connection when the server does not answer). */
  stop(): Promise<void>;
}

/**
 * Connects, authenticates, examines INBOX and enters IDLE; `onNewMail` runs each time the
 * server reports more messages (untagged EXISTS). Rejects when the connection cannot be made
 * (the server's words), or with IdleNotSupportedError.
 */
export async function watchImapInbox(conn: ServerConnection, options: IdleWatchOptions, onNewMail: () => void): Promise<IdleWatch> {
  const opts = resolveSessionOptions(options);
  const restartMs = options.restartMs ?? DEFAULT_IDLE_RESTART_MS;
  const client = new ImapFlow({
    ...imapClientOptions(conn, opts),
    // Quiet is expected while idling. A quiet socket makes imapflow break IDLE for a NOOP (and
    // with auto-IDLE off, not resume it): the IDLE restart must come first, and it is what proves
    // the connection alive. A server that does not answer it fails the connection a command timeout later.
    socketTimeout: restartMs + opts.commandTimeoutMs,
    maxIdleTime: restartMs,
  });
  let lastError = '';
  client.on('error', (err: unknown) => {
    lastError = serverMessage(err);
  });
  const ended = new Promise<string>((resolve) => client.once('close', () => resolve(lastError || 'connection closed')));
  const drop = () => {
    try {
      client.close();
    } catch {
      // already closed
    }
  };
  try {
    await withTimeout('IMAP connect', opts.connectTimeoutMs, client.connect(), drop);
    if (!client.capabilities.has('IDLE')) throw new IdleNotSupportedError(conn.host);
    await withTimeout('IMAP EXAMINE INBOX', opts.commandTimeoutMs, client.mailboxOpen('INBOX', { readOnly: true }), drop);
  } catch (err) {
    drop();
    throw err;
  }
  client.on('exists', (info: { count: number; prevCount: number }) => {
    if (info.count > info.prevCount) onNewMail();
  });
  let stopping = false;
  // Runs until the connection closes or IDLE is broken; imapflow re-issues IDLE every `maxIdleTime`.
  // An IDLE that ends otherwise (refused, broken) ends the watch: the owner reconnects with backoff.
  void client.idle().then(
    () => {
      if (!stopping) drop();
    },
    (err: unknown) => {
      lastError ||= serverMessage(err);
      drop();
    },
  );
  return {
    ended,
    async stop() {
      stopping = true;
      await withTimeout('IMAP LOGOUT', opts.commandTimeoutMs, client.logout(), drop).catch(() => drop());
      drop();
    },
  };
}
