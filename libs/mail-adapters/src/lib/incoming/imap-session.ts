import { ImapFlow } from 'imapflow';
import type { ServerConnection } from '../endpoint';
import {
  FetchedMessage, imapKey, ListFilter, MailboxSession, MessageRef, RemoteMessage, ResolvedSessionOptions, withTimeout,
} from './mailbox-session';

const INBOX = 'INBOX';
/** Longest response line (outside literals) accepted from the server. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;

/** How the router connects to an IMAP server: TLS mode, certificate check, login, timeouts. */
export function imapClientOptions(conn: ServerConnection, opts: Pick<ResolvedSessionOptions, 'connectTimeoutMs'>) {
  return {
    host: conn.host,
    port: conn.port,
    secure: conn.security === 'tls',
    doSTARTTLS: conn.security === 'starttls',
    tls: { rejectUnauthorized: !conn.allowInvalidCertificates },
    auth: conn.auth.type === 'basic' ? { user: conn.auth.username ?? '', pass: conn.auth.password ?? '' } : undefined,
    logger: false as const,
    connectionTimeout: opts.connectTimeoutMs,
    greetingTimeout: opts.connectTimeoutMs,
    disableAutoIdle: true,
  };
}

/** `1:3,7,9:10`: a UID set, ranges where the UIDs are consecutive. */
export function uidSet(uids: number[]): string {
  return uidSetChunks(uids, Infinity)[0] ?? '';
}

/**
 * Commands stay short: servers refuse long command lines (Dovecot's imap_max_line_length is 64 KiB
 * by default and it hangs up), and a big mailbox with gaps between its UIDs gives a long UID set.
 */
export const MAX_UID_SET_CHARS = 32_000;

/** The UID set of `uids` split into sets of at most `maxChars` characters (a single range is never split). */
export function uidSetChunks(uids: number[], maxChars = MAX_UID_SET_CHARS): string[] {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const chunks: string[] = [];
  let current = '';
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
    const part = start === sorted[i] ? String(start) : `${start}:${sorted[i]}`;
    if (current && current.length + 1 + part.length > maxChars) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current},${part}` : part;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** IMAP (imapflow): INBOX selected read-write, everything addressed by UID. */
export class ImapMailboxSession implements MailboxSession {
  readonly protocol = 'imap' as const;
  cursor?: { uidValidity: number; highestUid: number };

  /** Folders this session created or found (moveMany): as configured → the server's path. */
  private readonly folderReady = new Map<string, string>();
  /** Why the connection failed (a literal over the size cap, a malformed response...), if it did. */
  private connectionError?: Error;

  private constructor(private readonly client: ImapFlow, private readonly opts: ResolvedSessionOptions) {}

  static async open(conn: ServerConnection, opts: ResolvedSessionOptions): Promise<ImapMailboxSession> {
    const client = new ImapFlow({
      ...imapClientOptions(conn, opts),
      socketTimeout: opts.commandTimeoutMs,
      maxLiteralSize: opts.maxMessageBytes + 64 * 1024,
      // imapflow's default is 1 GiB: a server that never ends a line would be buffered that far.
      // A SEARCH answer of a million UIDs is under 10 MB.
      maxLineLength: MAX_LINE_BYTES,
    });
    const session = new ImapMailboxSession(client, opts);
    // Errors also surface on the pending command (as a bare "Connection not available"): the
    // listener keeps them from crashing the process and keeps the cause for cmd() to report.
    client.on('error', (err: Error) => {
      session.connectionError = err;
    });
    const drop = () => session.abort();
    await withTimeout('IMAP connect', opts.connectTimeoutMs, client.connect(), drop);
    const box = await withTimeout('IMAP SELECT INBOX', opts.commandTimeoutMs, client.mailboxOpen(INBOX), drop);
    session.cursor = { uidValidity: Number(box.uidValidity), highestUid: Math.max(0, box.uidNext - 1) };
    return session;
  }

  private async cmd<T>(what: string, work: Promise<T>): Promise<T> {
    try {
      return await withTimeout(`IMAP ${what}`, this.opts.commandTimeoutMs, work, () => this.abort());
    } catch (err) {
      throw this.explained(what, err);
    }
  }

  /** imapflow rejects with "Connection not available" once the connection is gone: say why it went. */
  private explained(what: string, err: unknown): unknown {
    const e = err as { code?: unknown; reason?: unknown; message?: unknown };
    if (e?.code !== 'NoConnection') return err;
    const cause = this.connectionError?.message ?? (typeof e.reason === 'string' && e.reason ? `server said BYE: ${e.reason}` : undefined);
    if (!cause) return err;
    return Object.assign(new Error(`IMAP ${what} failed: ${cause}`), { code: 'NoConnection', cause: err });
  }

  async list(filter: ListFilter): Promise<RemoteMessage[]> {
    const cursor = this.cursor!;
    let query: Record<string, unknown>;
    if ('unseen' in filter) query = { seen: false };
    else if ('afterUid' in filter) query = { uid: `${filter.afterUid + 1}:*` };
    else query = { all: true };
    const found = (await this.cmd('UID SEARCH', this.client.search(query, { uid: true }))) || [];
    // `n:*` always includes the highest UID, even below n.
    const uids = found.filter((uid) => !('afterUid' in filter) || uid > filter.afterUid).sort((a, b) => a - b);
    if (uids.length === 0) return [];
    const sizes = new Map<number, number>();
    for (const set of uidSetChunks(uids)) {
      const fetched = await this.cmd('UID FETCH (RFC822.SIZE)', this.client.fetchAll(set, { uid: true, size: true }, { uid: true }));
      for (const m of fetched) sizes.set(m.uid, m.size ?? 0);
    }
    return uids
      .filter((uid) => sizes.has(uid))
      .map((uid) => ({ key: imapKey(cursor.uidValidity, uid), uid, size: sizes.get(uid)! }));
  }

  async fetch(msg: RemoteMessage): Promise<FetchedMessage> {
    if (msg.size > this.opts.maxMessageBytes) return { status: 'too-large', size: msg.size };
    const found = await this.cmd('UID FETCH (BODY.PEEK[])', this.client.fetchOne(String(msg.uid), { uid: true, source: true }, { uid: true }));
    if (!found || !found.source) return { status: 'gone' };
    return { status: 'ok', raw: found.source };
  }

  async fetchMany(msgs: RemoteMessage[]): Promise<FetchedMessage[]> {
    const wanted = msgs.filter((m) => m.size <= this.opts.maxMessageBytes && m.uid !== undefined).map((m) => m.uid!);
    const sources = new Map<number, Buffer>();
    if (wanted.length === 1) {
      const found = await this.cmd('UID FETCH (BODY.PEEK[])', this.client.fetchOne(String(wanted[0]), { uid: true, source: true }, { uid: true }));
      if (found && found.source) sources.set(found.uid, found.source);
    } else if (wanted.length > 1) {
      const found = await this.cmd('UID FETCH (BODY.PEEK[])', this.client.fetchAll(uidSet(wanted), { uid: true, source: true }, { uid: true }));
      for (const m of found) if (m.source) sources.set(m.uid, m.source);
    }
    return msgs.map((m): FetchedMessage => {
      if (m.size > this.opts.maxMessageBytes) return { status: 'too-large', size: m.size };
      const raw = m.uid !== undefined ? sources.get(m.uid) : undefined;
      return raw ? { status: 'ok', raw } : { status: 'gone' };
    });
  }

  async markSeenMany(msgs: MessageRef[]): Promise<void> {
    const uids = msgs.flatMap((m) => (m.uid !== undefined ? [m.uid] : []));
    if (uids.length === 0) return;
    await this.cmd('UID STORE +FLAGS (\\Seen)', this.client.messageFlagsAdd(uidSet(uids), ['\\Seen'], { uid: true }));
  }

  async deleteMany(msgs: MessageRef[]): Promise<void> {
    const uids = msgs.flatMap((m) => (m.uid !== undefined ? [m.uid] : []));
    if (uids.length === 0) return;
    await this.cmd('UID STORE \\Deleted + EXPUNGE', this.client.messageDelete(uidSet(uids), { uid: true }));
  }

  /**
   * Marks the messages seen, then UID MOVE (or COPY + EXPUNGE where the server lacks MOVE) into
   * `folder` (`/` separates levels), created first when missing. Seen first, so that a crash between the two leaves a
   * read message rather than an unread one found again.
   */
  async moveMany(msgs: MessageRef[], folder: string): Promise<void> {
    const uids = msgs.flatMap((m) => (m.uid !== undefined ? [m.uid] : []));
    if (uids.length === 0) return;
    await this.markSeenMany(msgs);
    let path = this.folderReady.get(folder);
    if (!path) {
      // `Processed/CRM` is a hierarchy: imapflow joins the parts with the server's delimiter
      // (Dovecot's maildir uses '.'), and answers with the real path whether or not it existed.
      const parts = folder.split('/').map((p) => p.trim()).filter(Boolean);
      const created = await this.cmd(`CREATE ${folder}`, this.client.mailboxCreate(parts.length > 1 ? parts : parts[0] ?? folder));
      path = created.path;
      this.folderReady.set(folder, path);
    }
    await this.cmd(`UID MOVE ${path}`, this.client.messageMove(uidSet(uids), path, { uid: true }));
  }

  async markSeen(msg: MessageRef): Promise<void> {
    await this.cmd('UID STORE +FLAGS (\\Seen)', this.client.messageFlagsAdd(String(msg.uid), ['\\Seen'], { uid: true }));
  }

  async delete(msg: MessageRef): Promise<void> {
    await this.cmd('UID STORE \\Deleted + EXPUNGE', this.client.messageDelete(String(msg.uid), { uid: true }));
  }

  async close(): Promise<void> {
    await this.cmd('LOGOUT', this.client.logout()).catch((err) => {
      this.abort();
      throw err;
    });
  }

  abort(): void {
    try {
      this.client.close();
    } catch {
      // already closed
    }
  }
}
