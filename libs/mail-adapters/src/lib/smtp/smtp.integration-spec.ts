import { freePort, SmtpSink } from '@mailrouter/testing';
import type { ServerConnection } from '../endpoint';
import type { OutgoingMessage } from './mail-sender';
import { testOutgoingAccess } from './smtp-access';
import { MailSenderPool } from './smtp-sender-pool';

function conn(port: number, auth?: { user: string; pass: string }): ServerConnection {
  return {
    protocol: 'smtp',
    host: '127.0.0.1',
    port,
    security: 'none',
    auth: auth ? { type: 'basic', username: auth.user, password: auth.pass } : { type: 'none' },
    allowInvalidCertificates: false,
    maxConnections: 2,
  };
}

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    from: { address: 'alice@example.com', name: 'Alice' },
    to: [{ address: 'bob@example.org', name: 'Bob' }],
    cc: [{ address: 'carol@example.org' }],
    bcc: [{ address: 'hidden@example.org' }],
    subject: 'Quote CRM:0001234',
    text: 'Hello Bob',
    messageId: '<mr.e1.abc@example.com>',
    inReplyTo: '<orig@example.org>',
    references: ['<root@example.org>', '<orig@example.org>'],
    headers: { 'X-MailRouter-Email-Id': 'e1' },
    ...overrides,
  };
}

/** The header block of a raw message, unfolded, one header per entry. */
function headerLines(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

// The per-project testTimeout of jest.config.js is not applied: give real servers time.

describe('SMTP adapter against a real SMTP server', () => {
  const pool = new MailSenderPool();
  const sink = new SmtpSink({ auth: { user: 'router', pass: 's3cret' } });

  beforeAll(async () => {
    await sink.start();
  });
  afterAll(async () => {
    pool.closeAll();
    await sink.stop();
  });

  it('delivers the composed message: envelope incl. bcc, Message-ID, threading headers, X-MailRouter-Email-Id, no Bcc header', async () => {
    const outcome = await pool.send(conn(sink.port, { user: 'router', pass: 's3cret' }), message());
    expect(outcome).toMatchObject({ ok: true, messageId: '<mr.e1.abc@example.com>' });
    if (!outcome.ok) throw new Error('not sent');
    expect(outcome.response).toMatch(/^250/);
    expect(outcome.accepted.sort()).toEqual(['bob@example.org', 'carol@example.org', 'hidden@example.org']);
    const got = sink.accepted.at(-1)!;
    expect(got.from).toBe('alice@example.com');
    expect(got.to.sort()).toEqual(['bob@example.org', 'carol@example.org', 'hidden@example.org']);
    const headers = headerLines(got.raw);
    expect(headers).toContain('Message-ID: <mr.e1.abc@example.com>');
    expect(headers).toContain('Subject: Quote CRM:0001234');
    expect(headers).toContain('In-Reply-To: <orig@example.org>');
    expect(headers).toContain('References: <root@example.org> <orig@example.org>');
    // header names are case-insensitive (nodemailer writes X-Mailrouter-Email-ID)
    expect(headers.map((h) => h.toLowerCase())).toContain('x-mailrouter-email-id: e1');
    expect(headers.some((h) => /^bcc:/i.test(h))).toBe(false);
    expect(got.raw.toString()).toContain('Hello Bob');
  });

  it('never lets CR/LF in a subject, a display name or a header value start another header', async () => {
    const evil = message({
      subject: 'Hi\r\nBcc: victim@evil.test\r\nX-Injected: 1',
      from: { address: 'alice@example.com', name: 'Alice\r\nX-Injected: 2' },
      to: [{ address: 'bob@example.org', name: 'Bob\nX-Injected: 3' }],
      cc: [],
      bcc: [],
      headers: { 'X-MailRouter-Email-Id': 'e2\r\nX-Injected: 4' },
      messageId: '<mr.e2.abc@example.com>',
    });
    const outcome = await pool.send(conn(sink.port, { user: 'router', pass: 's3cret' }), evil);
    expect(outcome.ok).toBe(true);
    const got = sink.accepted.find((m) => m.raw.toString().includes('mr.e2.abc'))!;
    expect(got.to).toEqual(['bob@example.org']);
    const headers = headerLines(got.raw);
    expect(headers.filter((h) => /^(x-injected|bcc):/i.test(h))).toEqual([]);
    expect(headers.filter((h) => /^subject:/i.test(h))).toHaveLength(1);
  });

  it('reports the server reply of a refused message, classified: 550 permanent, 451 transient', async () => {
    const scripted = new SmtpSink({
      script: (_offer, _from, to) =>
        to.includes('gone@example.org') ? { code: 550, message: '5.1.1 mailbox unavailable' } : { code: 451, message: '4.3.0 try later' },
    });
    await scripted.start();
    const own = new MailSenderPool();
    try {
      const gone = await own.send(conn(scripted.port), message({ to: [{ address: 'gone@example.org' }], cc: [], bcc: [] }));
      expect(gone).toEqual({ ok: false, class: 'permanent', responseCode: 550, response: '550 5.1.1 mailbox unavailable' });
      const later = await own.send(conn(scripted.port), message({ cc: [], bcc: [] }));
      expect(later).toEqual({ ok: false, class: 'transient', responseCode: 451, response: '451 4.3.0 try later' });
      expect(scripted.accepted).toHaveLength(0);
    } finally {
      own.closeAll();
      await scripted.stop();
    }
  });

  it('refused AUTH is a permanent failure with the server words; unreachable server is transient', async () => {
    const refused = await pool.send(conn(sink.port, { user: 'router', pass: 'wrong' }), message());
    expect(refused).toMatchObject({ ok: false, class: 'permanent', responseCode: 535 });
    if (refused.ok) throw new Error('sent');
    expect(refused.response).toContain('5.7.8 Authentication credentials invalid');

    const down = await pool.send(conn(await freePort()), message());
    expect(down).toMatchObject({ ok: false, class: 'transient' });
    if (down.ok) throw new Error('sent');
    expect(down.response).toMatch(/ECONNREFUSED/);
  });

  it('tests outgoing access: right AUTH succeeds, wrong AUTH and an unreachable server fail with the reason', async () => {
    const ok = await testOutgoingAccess(conn(sink.port, { user: 'router', pass: 's3cret' }));
    expect(ok.status).toBe('success');
    const wrong = await testOutgoingAccess(conn(sink.port, { user: 'router', pass: 'nope' }));
    expect(wrong).toEqual({ status: 'failure', message: 'Invalid login: 535 5.7.8 Authentication credentials invalid' });
    const down = await testOutgoingAccess(conn(await freePort()));
    expect(down.status).toBe('failure');
    expect(down.message).toMatch(/ECONNREFUSED/);
  });

  it('keeps one pooled sender per server account, replaces it when the password changes, closes idle ones', () => {
    const p = new MailSenderPool();
    const a = p.sender(conn(sink.port, { user: 'router', pass: 'one' }));
    expect(p.sender(conn(sink.port, { user: 'router', pass: 'one' }))).toBe(a);
    const b = p.sender(conn(sink.port, { user: 'router', pass: 'two' }));
    expect(b).not.toBe(a);
    p.sender(conn(sink.port, { user: 'other', pass: 'x' }));
    expect(p.size).toBe(2);
    expect(p.closeIdle(60_000, Date.now() + 61_000)).toBe(2);
    expect(p.size).toBe(0);
  });
});
