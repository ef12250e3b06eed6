import { createHash } from 'node:crypto';
import { serverKey, type ServerConnection } from '../endpoint';
import type { MailSender, OutgoingMessage, SendOutcome } from './mail-sender';
import { SmtpSender } from './smtp-sender';

/** A sender the pool can close when idle. */
export interface PooledSender extends MailSender {
  /** Milliseconds since the last send ended (0 while a send is running). */
  idleFor(now?: number): number;
}

/** Counts sends in flight and the time since the last, for any MailSender. */
export class IdleTrackingSender implements PooledSender {
  private lastUsed = Date.now();
  private inFlight = 0;

  constructor(private readonly inner: MailSender) {}

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    this.inFlight++;
    try {
      return await this.inner.send(message);
    } finally {
      this.inFlight--;
      this.lastUsed = Date.now();
    }
  }

  idleFor(now = Date.now()): number {
    return this.inFlight > 0 ? 0 : now - this.lastUsed;
  }

  close(): void {
    this.inner.close();
  }
}

/**
 * Identity of a pooled transport: server + account, plus a digest of everything that shapes
 * the connection (security, certificate policy, pool size, password). A changed setting
 * gives a new key, so the old transport is closed rather than reused with stale settings.
 */
export function senderKey(conn: ServerConnection): string {
  // SMTP: one transport per server account. EWS/Graph: per mailbox sent for (the account acts on it).
  const account = conn.protocol === 'smtp'
    ? (conn.auth.type === 'basic' ? (conn.auth.username ?? '') : '')
    : `${conn.protocol}/${conn.auth.username ?? conn.graph?.clientId ?? ''}/${conn.mailbox ?? ''}`;
  const shape = createHash('sha256')
    .update(JSON.stringify([
      conn.security, conn.allowInvalidCertificates, conn.maxConnections, conn.auth.type, conn.auth.password ?? '', conn.auth.domain ?? '',
      conn.ews ?? null, conn.graph ?? null, conn.sendAccess ?? 'send-as', conn.sendingAccount ?? '',
    ]))
    .digest('hex')
    .slice(0, 16);
  return `${serverKey(conn)}:${account}:${shape}`;
}

/**
 * One sender per server + account (SMTP: a pooled transport; EWS/Graph: per mailbox), closed
 * when idle or when the configuration drops it. `create` makes the protocol's sender.
 */
export class MailSenderPool {
  private readonly senders = new Map<string, PooledSender>();

  constructor(private readonly create: (conn: ServerConnection) => PooledSender = (conn) => new IdleTrackingSender(new SmtpSender(conn))) {}

  send(conn: ServerConnection, message: OutgoingMessage): Promise<SendOutcome> {
    return this.sender(conn).send(message);
  }

  sender(conn: ServerConnection): PooledSender {
    const key = senderKey(conn);
    let sender = this.senders.get(key);
    if (!sender) {
      // A new shape for the same server + account replaces the old transport.
      const prefix = key.slice(0, key.lastIndexOf(':') + 1);
      for (const [k, old] of this.senders) {
        if (k.startsWith(prefix)) {
          old.close();
          this.senders.delete(k);
        }
      }
      sender = this.create(conn);
      this.senders.set(key, sender);
    }
    return sender;
  }

  /** Closes the senders whose key is not in `keep` (after a configuration change). Returns how many. */
  retainOnly(keep: Set<string>): number {
    let closed = 0;
    for (const [k, s] of this.senders) {
      if (!keep.has(k)) {
        s.close();
        this.senders.delete(k);
        closed++;
      }
    }
    return closed;
  }

  /** Closes the senders unused for at least `idleMs`. Returns how many. */
  closeIdle(idleMs: number, now = Date.now()): number {
    let closed = 0;
    for (const [k, s] of this.senders) {
      if (s.idleFor(now) >= idleMs) {
        s.close();
        this.senders.delete(k);
        closed++;
      }
    }
    return closed;
  }

  get size(): number {
    return this.senders.size;
  }

  closeAll(): void {
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
  }
}
