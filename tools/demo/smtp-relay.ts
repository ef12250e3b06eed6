import { SMTPServer } from 'smtp-server';
import { createTransport, Transporter } from 'nodemailer';

/**
 * The demo's outgoing mail server: a real SMTP server (smtp-server) that delivers every
 * accepted message into the demo Dovecot over LMTP — to the recipient's mailbox when the
 * recipient is a demo user, else to the `catchall` mailbox — so that sent mail can be read.
 */
export class DemoSmtpRelay {
  private server?: SMTPServer;
  private readonly lmtp: Transporter;

  constructor(private readonly opts: { port: number; lmtpPort: number; localDomain: string; localUsers: string[] }) {
    this.lmtp = createTransport({ lmtp: true, host: '127.0.0.1', port: opts.lmtpPort, secure: false, ignoreTLS: true });
  }

  private mailboxFor(address: string): string {
    const [local, domain] = address.toLowerCase().split('@');
    return domain === this.opts.localDomain && this.opts.localUsers.includes(local) ? address : `catchall@${this.opts.localDomain}`;
  }

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 50 * 1024 * 1024,
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const to = [...new Set(session.envelope.rcptTo.map((r) => this.mailboxFor(r.address)))];
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          this.lmtp.sendMail({ envelope: { from, to }, raw }).then(() => cb(), (err: Error) => cb(err));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, '127.0.0.1', () => resolve());
    });
    // A client that drops its connection must not stop the demo's mail server.
    this.server.on('error', (err: Error) => console.warn(`demo SMTP relay: ${err.message}`));
  }

  async stop(): Promise<void> {
    this.lmtp.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
