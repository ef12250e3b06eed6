import Pop3Command from 'node-pop3';
import type { Readable } from 'node:stream';
import type { ServerConnection } from '../endpoint';
import {
  FetchedMessage, ListFilter, MailboxSession, MessageRef, pop3Key, RemoteMessage, ResolvedSessionOptions, withTimeout,
} from './mailbox-session';

interface Pop3Internals {
  _socket: { destroy(): void } | null;
  command(...args: (string | number)[]): Promise<[string, Readable | null]>;
}

/** Largest UIDL or LIST answer read: ~300,000 messages at up to 70 UIDL characters each. */
const MAX_LISTING_BYTES = 20 * 1024 * 1024;

interface Pop3Entry {
  number: number;
  size: number;
}

/**
 * POP3 (node-pop3): the maildrop as it was at login, addressed by UIDL (mapped to this
 * session's message numbers). Deletions take effect at QUIT, as RFC 1939 says.
 */
export class Pop3MailboxSession implements MailboxSession {
  readonly protocol = 'pop3' as const;
  readonly cursor = undefined;
  private readonly entries = new Map<string, Pop3Entry>();

  private constructor(private readonly pop: Pop3Command, private readonly opts: ResolvedSessionOptions) {}

  static async open(conn: ServerConnection, opts: ResolvedSessionOptions): Promise<Pop3MailboxSession> {
    if (conn.security === 'starttls') {
      throw new Error('POP3 with STARTTLS (STLS) is not supported: use security "tls" (POP3S) or "none"');
    }
    const pop = new Pop3Command({
      host: conn.host,
      port: conn.port,
      tls: conn.security === 'tls',
      tlsOptions: { rejectUnauthorized: !conn.allowInvalidCertificates },
      user: conn.auth.username ?? '',
      password: conn.auth.password ?? '',
    });
    // Late errors (after a timeout dropped the command) must not crash the process.
    pop.on('error', () => undefined);
    const session = new Pop3MailboxSession(pop, opts);
    await withTimeout('POP3 connect', opts.connectTimeoutMs, pop._connect(), () => session.abort()).catch((err) => {
      session.abort();
      throw err;
    });
    await session.loadListing();
    return session;
  }

  private cmd<T>(what: string, work: Promise<T>): Promise<T> {
    return withTimeout(`POP3 ${what}`, this.opts.commandTimeoutMs, work, () => this.abort());
  }

  private async loadListing(): Promise<void> {
    const uidl = await this.cmd('UIDL', this.listing('UIDL'));
    const list = await this.cmd('LIST', this.listing('LIST'));
    const sizes = new Map(list.map(([n, size]) => [Number(n), Number(size)]));
    for (const [n, id] of uidl) {
      if (!id) continue;
      this.entries.set(id, { number: Number(n), size: sizes.get(Number(n)) ?? 0 });
    }
  }

  /**
   * A multi-line UIDL/LIST answer as `[number, value]` rows, read with a size cap: a server that
   * never sends the final "." would otherwise be buffered (and re-copied) until the timeout.
   */
  private async listing(command: 'UIDL' | 'LIST'): Promise<string[][]> {
    const [, stream] = await (this.pop as unknown as Pop3Internals).command(command);
    if (!stream) throw new Error(`POP3 ${command} returned no listing`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > MAX_LISTING_BYTES) {
        this.abort();
        throw new Error(`POP3 ${command} response exceeds ${MAX_LISTING_BYTES} bytes without its final "." line`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('latin1').split('\r\n').filter(Boolean).map((line) => line.split(' '));
  }

  async list(_filter: ListFilter): Promise<RemoteMessage[]> {
    return [...this.entries.entries()]
      .sort((a, b) => a[1].number - b[1].number)
      .map(([uidl, e]) => ({ key: pop3Key(uidl), uidl, size: e.size }));
  }

  async fetch(msg: RemoteMessage): Promise<FetchedMessage> {
    const entry = msg.uidl ? this.entries.get(msg.uidl) : undefined;
    if (!entry) return { status: 'gone' };
    if (entry.size > this.opts.maxMessageBytes) return { status: 'too-large', size: entry.size };
    const raw = await this.cmd(`RETR ${entry.number}`, this.retrieve(entry.number));
    if (raw === 'too-large') return { status: 'too-large', size: entry.size };
    return { status: 'ok', raw };
  }

  /** POP3 has no multi-message RETR: one after another. */
  async fetchMany(msgs: RemoteMessage[]): Promise<FetchedMessage[]> {
    const out: FetchedMessage[] = [];
    for (const msg of msgs) out.push(await this.fetch(msg));
    return out;
  }

  private async retrieve(n: number): Promise<Buffer | 'too-large'> {
    const [, stream] = await (this.pop as unknown as Pop3Internals).command('RETR', n);
    if (!stream) throw new Error(`POP3 RETR ${n} returned no message`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > this.opts.maxMessageBytes + 64 * 1024) {
        this.abort();
        return 'too-large';
      }
      chunks.push(chunk as Buffer);
    }
    return unstuff(Buffer.concat(chunks));
  }

  async markSeen(_msg: MessageRef): Promise<void> {
    // POP3 has no flags: a message stays until it is deleted.
  }

  async delete(msg: MessageRef): Promise<void> {
    const entry = msg.uidl ? this.entries.get(msg.uidl) : undefined;
    if (!entry) return;
    await this.cmd(`DELE ${entry.number}`, this.pop.DELE(entry.number));
    this.entries.delete(msg.uidl!);
  }

  async markSeenMany(_msgs: MessageRef[]): Promise<void> {
    // POP3 has no flags.
  }

  async deleteMany(msgs: MessageRef[]): Promise<void> {
    for (const msg of msgs) await this.delete(msg);
  }

  async close(): Promise<void> {
    try {
      await this.cmd('QUIT', this.pop.QUIT());
    } finally {
      this.abort();
    }
  }

  abort(): void {
    const internals = this.pop as unknown as Pop3Internals;
    internals._socket?.destroy();
    internals._socket = null;
  }
}

/**
 * Undoes POP3's byte-stuffing (a line starting with "." was sent as ".."), and restores the
 * final CRLF that belongs to the last line (node-pop3 strips it with the terminator).
 */
export function unstuff(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart < data.length) {
    if (data[lineStart] === 0x2e && data[lineStart + 1] === 0x2e) {
      out.push(data.subarray(start, lineStart));
      start = lineStart + 1;
    }
    const nl = data.indexOf('\r\n', lineStart);
    if (nl < 0) break;
    lineStart = nl + 2;
  }
  out.push(data.subarray(start));
  const body = Buffer.concat(out);
  if (body.length === 0 || body.subarray(-2).equals(Buffer.from('\r\n'))) return body;
  return Buffer.concat([body, Buffer.from('\r\n')]);
}
