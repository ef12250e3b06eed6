import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { AddressInfo } from 'node:net';

export interface SunkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  /** 1 for the first message the sink was offered, 2 for the next, … (accepted or not). */
  offer: number;
  /** The script dropped the connection instead of answering (the sender got no reply). */
  dropped?: boolean;
}

/**
 * What the sink does with the n-th message it is offered: undefined accepts (250); a reply
 * refuses it with that code (a 421 also closes the connection, as smtp-server does); `drop`
 * reads the whole message, DATA terminator included, and cuts the connection without a reply:
 * the client cannot know whether it was accepted. A dropped message counts as received
 * (`accepted`, with `dropped: true`): a real server may have queued it before it went away.
 */
export type SmtpScriptAction = { code: number; message: string } | { drop: true };
export type SmtpScript = (offer: number, from: string, to: string[]) => SmtpScriptAction | undefined;

export interface SmtpSinkOptions {
  auth?: { user: string; pass: string };
  script?: SmtpScript;
  /** Wait this long before answering DATA (to have sends in flight when a test kills a service). */
  delayMs?: number;
}

/** A real SMTP server (smtp-server) that records exactly what it accepted, for tests. */
export class SmtpSink {
  readonly accepted: SunkMessage[] = [];
  offers = 0;
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly opts: SmtpSinkOptions = {}) {}

  async start(): Promise<this> {
    const auth = this.opts.auth;
    const options: SMTPServerOptions = {
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth: (a, _session, cb) => {
        if (auth && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
        const err = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number };
        err.responseCode = 535;
        return cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
          const offer = ++this.offers;
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          const reply = this.opts.script?.(offer, from, to);
          if (reply && 'drop' in reply) {
            this.accepted.push({ from, to, raw: Buffer.concat(chunks), offer, dropped: true });
            return this.dropConnectionOf(session.id);
          }
          if (reply) {
            const err = new Error(reply.message) as Error & { responseCode: number };
            err.responseCode = reply.code;
            return cb(err);
          }
          this.accepted.push({ from, to, raw: Buffer.concat(chunks), offer });
          cb();
        });
      },
    };
    this.server = new SMTPServer(options);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    // A client killed mid-session resets its connection: that is the test's doing, not a failure.
    this.server.on('error', (err: Error & { code?: string }) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.warn(`SMTP sink: ${err.message}`);
    });
    this.port = (this.server as unknown as { server: { address(): AddressInfo } }).server.address().port;
    return this;
  }

  /** Destroys the socket of the session, without a word: the reply to DATA never comes. */
  private dropConnectionOf(sessionId: string): void {
    const connections = (this.server as unknown as { connections: Set<{ session?: { id: string }; _socket?: { destroy(): void } }> }).connections;
    for (const c of connections) if (c.session?.id === sessionId) c._socket?.destroy();
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
