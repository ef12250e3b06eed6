import { createHash } from 'node:crypto';
import { serverKey, type ServerConnection } from '../endpoint';
import type { OutgoingMessage, SendOutcome } from './mail-sender';
import { SmtpSender } from './smtp-sender';

/**
 * Identity of a pooled transport: server + account, plus a digest of everything that shapes
 * the connection (security, certificate policy, pool size, password). A changed setting
 * gives a new key, so the old transport is closed rather than reused with stale settings.
 */
export function senderKey(conn: ServerConnection): string {
  const account = conn.auth.type === 'basic' ? (conn.auth.username ?? '') : '';
  const shape = createHash('sha256')
    .update(JSON.stringify([conn.security, conn.allowInvalidCertificates, conn.maxConnections, conn.auth.type, conn.auth.password ?? '']))
    .digest('hex')
    .slice(0, 16);
  return `${serverKey(conn)}:${account}:${shape}`;
}

/** One pooled SMTP sender per server + account, closed when idle or when the configuration drops it. */
export class SmtpSenderPool {
  private readonly senders = new Map<string, SmtpSender>();

  send(conn: ServerConnection, message: OutgoingMessage): Promise<SendOutcome> {
    return this.sender(conn).send(message);
  }

  sender(conn: ServerConnection): SmtpSender {
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
      sender = new SmtpSender(conn);
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
