import { createTransport } from 'nodemailer';
import type { ServerConnection } from '../endpoint';
import type { MailAddress, MailSender, OutgoingMessage, SendOutcome } from './mail-sender';
import { smtpFailure, smtpPoolOptions } from './smtp-options';

type PooledTransport = ReturnType<typeof createTransport>;

function addresses(list: MailAddress[] | undefined): { name: string; address: string }[] {
  return (list ?? []).map((a) => ({ name: a.name ?? '', address: a.address }));
}

function asStrings(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => (typeof x === 'string' ? x : String((x as { address?: unknown })?.address ?? x))) : [];
}

/**
 * Sends through one SMTP server account over a pool of at most `maxConnections` connections
 * (nodemailer's pool transport). Composition is nodemailer's: names and subjects are encoded,
 * header values are folded, so CR/LF in a value never starts another header.
 */
export class SmtpSender implements MailSender {
  private readonly transport: PooledTransport;
  private lastUsed = Date.now();
  private inFlight = 0;

  constructor(conn: ServerConnection) {
    this.transport = createTransport(smtpPoolOptions(conn));
    // Failures reach the caller through send(); an 'error' event without a listener would crash the process.
    this.transport.on('error', () => undefined);
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    this.inFlight++;
    this.lastUsed = Date.now();
    try {
      const info = await this.transport.sendMail({
        from: { name: message.from.name ?? '', address: message.from.address },
        to: addresses(message.to),
        cc: addresses(message.cc),
        bcc: addresses(message.bcc),
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        inReplyTo: message.inReplyTo,
        references: message.references?.length ? message.references : undefined,
        headers: message.headers,
      });
      return {
        ok: true,
        accepted: asStrings(info.accepted),
        rejected: asStrings(info.rejected),
        response: String(info.response ?? '').trim(),
        messageId: info.messageId,
      };
    } catch (err) {
      return smtpFailure(err);
    } finally {
      this.inFlight--;
      this.lastUsed = Date.now();
    }
  }

  /** Milliseconds since the last send ended (0 while a send is running). */
  idleFor(now = Date.now()): number {
    return this.inFlight > 0 ? 0 : now - this.lastUsed;
  }

  /** Closes every pooled connection (a message being sent finishes first). */
  close(): void {
    this.transport.close();
  }
}
