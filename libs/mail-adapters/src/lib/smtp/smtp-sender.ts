import { createTransport } from 'nodemailer';
import type { ServerConnection } from '../endpoint';
import { mailOptionsOf } from './compose-mime';
import type { MailSender, OutgoingMessage, SendOutcome } from './mail-sender';
import { smtpFailure, smtpPoolOptions } from './smtp-options';

type PooledTransport = ReturnType<typeof createTransport>;

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

  constructor(conn: ServerConnection) {
    this.transport = createTransport(smtpPoolOptions(conn));
    // Failures reach the caller through send(); an 'error' event without a listener would crash the process.
    this.transport.on('error', () => undefined);
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    try {
      const info = await this.transport.sendMail(mailOptionsOf(message));
      return {
        ok: true,
        accepted: asStrings(info.accepted),
        rejected: asStrings(info.rejected),
        response: String(info.response ?? '').trim(),
        messageId: info.messageId,
      };
    } catch (err) {
      return smtpFailure(err);
    }
  }

  /** Closes every pooled connection (a message being sent finishes first). */
  close(): void {
    this.transport.close();
  }
}
