import { createTransport } from 'nodemailer';
import { HostileServer, hostileServer, HostileScript, imapScript } from '@mailrouter/testing';
import type { ServerConnection } from './endpoint';
import { MailboxSession, openMailboxSession, SessionOptions, testIncomingAccess } from './incoming';
import { SmtpSender, smtpTransportOptions, testOutgoingAccess } from './smtp';

// Small limits so that every hostile case ends in seconds; the adapters take them from SessionOptions.
const OPTIONS: SessionOptions = { connectTimeoutMs: 800, commandTimeoutMs: 1_500, maxMessageBytes: 1024 * 1024 };
const MB = 1024 * 1024;

function endpoint(protocol: ServerConnection['protocol'], port: number): ServerConnection {
  return {
    protocol,
    host: '127.0.0.1',
    port,
    security: 'none',
    auth: protocol === 'smtp' ? { type: 'none' } : { type: 'basic', username: 'router', password: 'secret' },
    allowInvalidCertificates: false,
    maxConnections: 1,
  };
}

/** Runs `work`, sampling the RSS on the way; reports what happened and how long it took. */
async function observe(label: string, work: () => Promise<unknown>) {
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  const started = Date.now();
  let value: unknown;
  let error: string | undefined;
  try {
    value = await work();
  } catch (err) {
    error = (err as Error)?.message ?? String(err);
  } finally {
    clearInterval(sampler);
  }
  const ms = Date.now() - started;
  const rssGrowthMb = Math.round((Math.max(rssPeak, process.memoryUsage().rss) - rssBefore) / MB);
  const shown = error ?? JSON.stringify(value)?.slice(0, 300);
  console.log(`[hostile] ${label}: ${error ? 'error' : 'result'} after ${ms} ms, rss +${rssGrowthMb} MB: ${shown}`);
  return { value, error, ms, rssGrowthMb };
}

describe('adapters against hostile mail servers (emulators)', () => {
  const servers: HostileServer[] = [];
  const sessions: MailboxSession[] = [];
  async function serve(script: HostileScript): Promise<HostileServer> {
    const server = await hostileServer(script);
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    sessions.splice(0).forEach((s) => s.abort());
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('a server that accepts the connection and never says anything', () => {
    it.each(['imap', 'pop3'] as const)('%s: the session fails with a timeout within the connect timeout', async (protocol) => {
      const server = await serve({});
      const open = await observe(`${protocol} silent open`, () => openMailboxSession(endpoint(protocol, server.port), OPTIONS));
      expect(open.error).toMatch(/timed? ?out|timeout/i);
      expect(open.ms).toBeLessThan(OPTIONS.connectTimeoutMs! + 1_000);
      const check = await observe(`${protocol} silent access check`, () => testIncomingAccess(endpoint(protocol, server.port), OPTIONS));
      expect(check.value).toMatchObject({ status: 'failure', message: expect.stringMatching(/timed? ?out|timeout/i) });
      expect(check.ms).toBeLessThan(OPTIONS.connectTimeoutMs! + 1_000);
    });

    it('smtp: the router\'s transport options give up waiting for the greeting (greetingTimeout shortened for the test)', async () => {
      const server = await serve({});
      const options = smtpTransportOptions(endpoint('smtp', server.port));
      // The production values are finite: a silent server cannot hold a send forever.
      expect(options.greetingTimeout).toBeGreaterThan(0);
      expect(options.greetingTimeout).toBeLessThanOrEqual(60_000);
      const transport = createTransport({ ...options, greetingTimeout: 800, connectionTimeout: 800 });
      const verify = await observe('smtp silent verify', () => transport.verify());
      transport.close();
      expect(verify.error).toMatch(/greeting never received|timeout/i);
      expect(verify.ms).toBeLessThan(2_000);
    });
  });

  describe('an SMTP server answering EHLO with an endless 250- continuation', () => {
    const endlessEhlo: HostileScript = {
      greeting: '220 hostile.test ESMTP X-MailRouter-Emulator: hostile SMTP server\r\n',
      onLine(line, conn) {
        if (/^(EHLO|HELO)/i.test(line)) {
          let n = 0;
          void conn.flood(() => `250-hostile.test feature line ${n++} ${'x'.repeat(200)}\r\n`);
        }
      },
    };

    it('testOutgoingAccess fails quickly saying the response is too large, memory bounded', async () => {
      const server = await serve(endlessEhlo);
      const check = await observe('smtp endless EHLO access check', () => testOutgoingAccess(endpoint('smtp', server.port)));
      expect(check.value).toMatchObject({ status: 'failure', message: expect.stringMatching(/response exceeds maximum allowed size/i) });
      expect(check.ms).toBeLessThan(5_000);
      expect(check.rssGrowthMb).toBeLessThan(200);
    });

    it('SmtpSender.send returns a failure (never throws, never hangs)', async () => {
      const server = await serve(endlessEhlo);
      const sender = new SmtpSender(endpoint('smtp', server.port));
      const sent = await observe('smtp endless EHLO send', () =>
        sender.send({ from: { address: 'a@example.com' }, to: [{ address: 'b@example.org' }], subject: 's', text: 't', messageId: '<h1@example.com>' }),
      );
      sender.close();
      expect(sent.error).toBeUndefined();
      expect(sent.value).toMatchObject({ ok: false, response: expect.stringMatching(/response exceeds maximum allowed size/i) });
      expect(sent.ms).toBeLessThan(5_000);
    });
  });

  it('an IMAP server announcing a {4000000000} literal in FETCH: refused without allocating it', async () => {
    const server = await serve(
      imapScript((tag, command, _args, conn) => {
        if (command !== 'UID FETCH') return false;
        conn.write('* 1 FETCH (UID 1 BODY[] {4000000000}\r\n');
        // Then stream garbage as if the 4 GB were coming.
        void conn.flood(() => 'x'.repeat(64 * 1024));
        return true;
      }),
    );
    const session = await openMailboxSession(endpoint('imap', server.port), OPTIONS);
    sessions.push(session);
    const fetched = await observe('imap 4 GB literal', () => session.fetch({ key: 'imap:1:1', uid: 1, size: 100 }));
    expect(fetched.error).toMatch(/literal|too large|exceeds/i);
    expect(fetched.ms).toBeLessThan(OPTIONS.commandTimeoutMs! + 1_000);
    expect(fetched.rssGrowthMb).toBeLessThan(200);
  });

  it('an IMAP server answering UID SEARCH with 1,000,000 UIDs: the listing ends in bounded time, within the server\'s line limit', async () => {
    const uidCount = 1_000_000;
    let fetchCommands = 0;
    const server = await serve(
      imapScript((tag, command, args, conn) => {
        if (command === 'UID SEARCH') {
          const uids: string[] = [];
          // Every other UID: no ranges to compress, the worst case for a UID set.
          for (let i = 1; i <= uidCount; i++) uids.push(String(i * 2));
          conn.write(`* SEARCH ${uids.join(' ')}\r\n${tag} OK SEARCH completed\r\n`);
          return true;
        }
        if (command === 'UID FETCH') {
          fetchCommands++;
          // Sizes only for the first UID of the set: the rest "vanished" meanwhile.
          const first = Number(/^(\d+)/.exec(args)?.[1]);
          conn.write(`* 1 FETCH (UID ${first} RFC822.SIZE 42)\r\n${tag} OK FETCH completed\r\n`);
          return true;
        }
        return false;
      }),
    );
    const session = await openMailboxSession(endpoint('imap', server.port), { ...OPTIONS, commandTimeoutMs: 10_000 });
    sessions.push(session);
    const listed = await observe('imap 1M UIDs', () => session.list({ unseen: true }));
    expect(listed.ms).toBeLessThan(20_000);
    expect(listed.rssGrowthMb).toBeLessThan(400);
    // The server's line limit (64 KiB, as Dovecot's) was never hit: no command was cut off.
    expect(server.received.some((l) => /characters\)$/.test(l) && Number(/\((\d+) characters\)$/.exec(l)?.[1]) > 64 * 1024)).toBe(false);
    expect(listed.error).toBeUndefined();
    expect(fetchCommands).toBeGreaterThan(0);
    expect((listed.value as unknown[]).length).toBe(fetchCommands);
  }, 40_000);

  describe('a POP3 server that never ends a multi-line response', () => {
    function endlessPop3(endless: 'UIDL' | 'RETR'): HostileScript {
      return {
        greeting: '+OK X-MailRouter-Emulator: hostile POP3 server ready\r\n',
        onLine(line, conn) {
          const command = line.split(' ')[0].toUpperCase();
          if (command === endless) {
            conn.write(`+OK here it comes\r\n`);
            let n = 0;
            void conn.flood(() => (command === 'UIDL' ? `${++n} uid-${n}-${'u'.repeat(60)}\r\n` : `${'x'.repeat(998)}\r\n`));
          } else if (command === 'UIDL') conn.write('+OK\r\n1 uid-1\r\n.\r\n');
          else if (command === 'LIST') conn.write('+OK\r\n1 100\r\n.\r\n');
          else if (command === 'QUIT') {
            conn.write('+OK bye\r\n');
            conn.socket.end();
          } else conn.write('+OK\r\n');
        },
      };
    }

    it('UIDL at login: the session fails within the command timeout, memory bounded', async () => {
      const server = await serve(endlessPop3('UIDL'));
      const open = await observe('pop3 endless UIDL', () => openMailboxSession(endpoint('pop3', server.port), OPTIONS));
      expect(open.error).toMatch(/POP3 UIDL (response exceeds \d+ bytes|timed out)/);
      expect(open.ms).toBeLessThan(OPTIONS.commandTimeoutMs! + 1_500);
      expect(open.rssGrowthMb).toBeLessThan(200);
    });

    it('RETR: the message is reported too large (size cap) or timed out, not read forever', async () => {
      const server = await serve(endlessPop3('RETR'));
      const session = await openMailboxSession(endpoint('pop3', server.port), OPTIONS);
      sessions.push(session);
      const [msg] = await session.list({ all: true });
      const fetched = await observe('pop3 endless RETR', () => session.fetch(msg));
      const outcome = fetched.error ?? (fetched.value as { status: string }).status;
      expect(outcome).toMatch(/too-large|RETR 1 timed out/);
      expect(fetched.ms).toBeLessThan(OPTIONS.commandTimeoutMs! + 1_500);
      expect(fetched.rssGrowthMb).toBeLessThan(200);
    });
  });
});
