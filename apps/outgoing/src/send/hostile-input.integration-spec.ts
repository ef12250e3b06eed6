import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { domainToASCII } from 'node:url';
import { simpleParser, AddressObject } from 'mailparser';
import type { SendCommandV1 } from '@mailrouter/contracts';
import { SmtpSender, type SendOutcome, type ServerConnection } from '@mailrouter/mail-adapters';
import { SmtpSink, waitFor } from '@mailrouter/testing';
import { composeMessage } from './compose-message';

/**
 * Hostile CRM content on its way out: what the SMTP server receives (the client's bytes on the
 * wire, the envelope, the header block) must be exactly one message to exactly the intended
 * recipients, whatever CR/LF, dots or address tricks the CRM user typed.
 */

const EVIL = 'evil@evil.test';
const INJECTIONS: Record<string, string> = {
  'CRLF header': `x\r\nBcc: ${EVIL}\r\nX-Injected: 1`,
  'bare LF header': `x\nBcc: ${EVIL}\nX-Injected: 1`,
  'bare CR header': `x\rBcc: ${EVIL}\rX-Injected: 1`,
  'end of DATA': `x\r\n.\r\nMAIL FROM:<${EVIL}>\r\nRCPT TO:<${EVIL}>\r\nDATA\r\nX-Injected: 1\r\n\r\nsmuggled\r\n.\r\n`,
  'RCPT TO': `x\r\nRCPT TO:<${EVIL}>\r\n`,
  'smuggle LF.LF': `x\n.\nMAIL FROM:<${EVIL}>\nRCPT TO:<${EVIL}>\nDATA\n`,
  'smuggle LF.CRLF': `x\n.\r\nRCPT TO:<${EVIL}>\r\n`,
  'smuggle CR.CR': `x\r.\rRCPT TO:<${EVIL}>\r`,
};

/** The headers a composed message may carry; anything else was injected. */
const ALLOWED_HEADERS = new Set([
  'from', 'to', 'cc', 'subject', 'message-id', 'date', 'mime-version', 'content-type',
  'content-transfer-encoding', 'x-mailrouter-email-id', 'in-reply-to', 'references',
]);

function base(overrides: Partial<SendCommandV1> = {}): SendCommandV1 {
  return {
    emailId: 'e-hostile', claim: 1, deploymentId: 'd', mailboxId: 'm',
    from: { address: 'alice@ours.test', name: 'Alice' },
    to: [{ address: 'bob@ours.test', name: 'Bob' }], cc: [], bcc: [],
    subject: 'Quote', trackingToken: 'CRM:00010001', text: 'Hello', references: [],
    ...overrides,
  };
}

/** A loopback proxy in front of the sink that keeps every byte the client sent, per connection. */
interface Recorder { port: number; sessions: { bytes: Buffer[]; closed: boolean }[]; close(): Promise<void> }

async function recordingProxy(target: number): Promise<Recorder> {
  const sessions: Recorder['sessions'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const session = { bytes: [] as Buffer[], closed: false };
    sessions.push(session);
    const outbound = connect(target, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.on('data', (c: Buffer) => session.bytes.push(c));
    inbound.on('close', () => (session.closed = true));
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

/** The client's side of an SMTP session: the commands it gave and the DATA blocks it sent. */
interface Transcript { raw: string; commands: string[]; data: string[] }

function transcript(bytes: Buffer): Transcript {
  const raw = bytes.toString('utf8');
  const commands: string[] = [];
  const data: string[] = [];
  let block: string[] | null = null;
  // A server splits on CRLF; an unterminated tail is still a (partial) command it would see.
  for (const line of raw.split('\r\n').slice(0, raw.endsWith('\r\n') ? -1 : undefined)) {
    if (block) {
      if (line === '.') { data.push(block.join('\r\n')); block = null; } else block.push(line);
    } else {
      commands.push(line);
      if (/^DATA$/i.test(line)) block = [];
    }
  }
  return { raw, commands, data };
}

/** Header block of a raw message, unfolded: [name, value] pairs. */
function headers(raw: string): [string, string][] {
  return raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ').split('\r\n').map((h) => {
    const i = h.indexOf(':');
    return [i > 0 ? h.slice(0, i).toLowerCase() : `(not a header) ${h}`, h.slice(i + 1).trim()];
  });
}

describe('outgoing: hostile CRM input never reshapes the SMTP session or the recipients', () => {
  const sink = new SmtpSink();
  let proxy: Recorder;
  const report: string[] = [];

  beforeAll(async () => {
    await sink.start();
    proxy = await recordingProxy(sink.port);
  });
  afterAll(async () => {
    console.log(`hostile outgoing input, ${report.length} cases:\n${report.join('\n')}`);
    await proxy.close();
    await sink.stop();
  });

  /** Sends one command through a fresh SmtpSender; returns the outcome, the wire transcript and what the sink kept. */
  async function send(cmd: SendCommandV1) {
    const conn: ServerConnection = {
      protocol: 'smtp', host: '127.0.0.1', port: proxy.port, security: 'none',
      auth: { type: 'none' }, allowInvalidCertificates: false, maxConnections: 1,
    };
    const before = { sessions: proxy.sessions.length, accepted: sink.accepted.length, offers: sink.offers };
    let outcome: SendOutcome;
    let composed: ReturnType<typeof composeMessage> | undefined;
    try {
      composed = composeMessage(cmd);
    } catch (err) {
      // The composer's refusal: the email fails with this reason and no connection is made.
      outcome = { ok: false, class: 'permanent', response: (err as Error).message };
    }
    if (composed) {
      const sender = new SmtpSender(conn);
      try {
        outcome = await sender.send(composed);
      } finally {
        sender.close();
      }
    }
    const sessions = proxy.sessions.slice(before.sessions);
    await waitFor('the SMTP session to end', () => sessions.every((s) => s.closed), 5_000, 20);
    return {
      outcome: outcome!,
      refusedByComposer: !composed,
      wire: sessions.map((s) => transcript(Buffer.concat(s.bytes))),
      accepted: sink.accepted.slice(before.accepted),
      offers: sink.offers - before.offers,
    };
  }

  /** One message, one session, no command the composer did not mean; returns the envelope recipients. */
  function expectCleanSession(r: Awaited<ReturnType<typeof send>>, from: string): string[] {
    expect(r.wire).toHaveLength(1);
    const [t] = r.wire;
    // RFC 5321 §2.3.8: no bare CR or LF on the wire, so no server can read another line ending in.
    expect(t.raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const verbs = t.commands.map((c) => c.split(/[ :]/)[0].toUpperCase()).filter((v) => v !== 'QUIT' && v !== 'RSET');
    const rcpts = t.commands.filter((c) => /^RCPT TO:/i.test(c)).map((c) => c.replace(/^RCPT TO:<(.*)>.*$/i, '$1'));
    expect(verbs).toEqual(['EHLO', 'MAIL', ...rcpts.map(() => 'RCPT'), 'DATA']);
    expect(t.commands.find((c) => /^MAIL FROM:/i.test(c))).toMatch(new RegExp(`^MAIL FROM:<${from.replace(/[.]/g, '\\.')}>`));
    expect(t.data).toHaveLength(1);
    expect(r.offers).toBe(1);
    expect(r.accepted).toHaveLength(1);
    // smtp-server hands IDN domains over in Unicode: compare in the A-label form that went on the wire.
    const ascii = (a: string) => `${a.slice(0, a.lastIndexOf('@'))}@${domainToASCII(a.slice(a.lastIndexOf('@') + 1))}`;
    expect(r.accepted[0].to.map(ascii)).toEqual(rcpts);
    return rcpts;
  }

  function expectNoInjectedHeader(raw: string): void {
    const hs = headers(raw);
    for (const [name] of hs) expect(ALLOWED_HEADERS).toContain(name);
    for (const once of ['from', 'to', 'subject', 'message-id', 'x-mailrouter-email-id']) {
      expect(hs.filter(([n]) => n === once).length).toBeLessThanOrEqual(1);
    }
  }

  it('the checks themselves see a smuggled command, a second DATA and an injected header', () => {
    // A session as a vulnerable client would write it: proves the assertions below can fail.
    const t = transcript(Buffer.from(`EHLO x\r\nMAIL FROM:<a@ours.test>\r\nRCPT TO:<b@ours.test>\r\nDATA\r\nSubject: x\r\nBcc: ${EVIL}\r\n\r\nhi\r\n.\r\nRCPT TO:<${EVIL}>\r\nDATA\r\n\r\n.\r\nQUIT\r\n`));
    expect(t.data).toHaveLength(2);
    expect(t.commands).toContain(`RCPT TO:<${EVIL}>`);
    expect(headers(t.data[0]).map(([n]) => n)).toEqual(['subject', 'bcc']);
    expect(ALLOWED_HEADERS).not.toContain('bcc');
  });

  const FIELDS: Record<string, (payload: string) => Partial<SendCommandV1>> = {
    subject: (p) => ({ subject: `Quote ${p}` }),
    'from name': (p) => ({ from: { address: 'alice@ours.test', name: `Alice ${p}` } }),
    'to name': (p) => ({ to: [{ address: 'bob@ours.test', name: `Bob ${p}` }] }),
    'email id header': (p) => ({ emailId: `e-1${p}` }),
    'in-reply-to': (p) => ({ inReplyTo: `<a@b>${p}` }),
    references: (p) => ({ references: [`<a@b>${p}`] }),
    text: (p) => ({ text: `Hello${p}bye` }),
    html: (p) => ({ html: `<p>Hello${p}bye</p>` }),
  };
  const valueCases = Object.entries(FIELDS).flatMap(([field, make]) =>
    Object.entries(INJECTIONS).map(([kind, payload]) => [field, kind, make(payload)] as const));

  it.each(valueCases)('%s with %s: one message to bob only, no extra header or command', async (field, kind, override) => {
    const r = await send(base(override));
    report.push(`${field} / ${kind}: ${r.outcome.ok ? 'sent' : `refused: ${r.outcome.response}`}; RCPT ${JSON.stringify(r.accepted[0]?.to)}`);
    expect(r.outcome.ok).toBe(true);
    expect(expectCleanSession(r, 'alice@ours.test')).toEqual(['bob@ours.test']);
    const raw = r.accepted[0].raw.toString('latin1');
    expectNoInjectedHeader(raw);
    const parsed = await simpleParser(r.accepted[0].raw);
    expect((parsed.to as AddressObject).value.map((a) => a.address)).toEqual(['bob@ours.test']);
    expect(parsed.bcc).toBeUndefined();
  });

  const CRLF_ADDRESSES: [string, Partial<SendCommandV1>][] = Object.entries(INJECTIONS).flatMap(([kind, p]) => [
    [`to address / ${kind}`, { to: [{ address: `bob@ours.test${p}` }] }],
    [`from address / ${kind}`, { from: { address: `alice@ours.test${p}` } }],
    [`cc address / ${kind}`, { cc: [{ address: `carol@ours.test${p}` }] }],
  ]);

  it.each(CRLF_ADDRESSES)('%s: refused with the address named, before any SMTP connection', async (label, override) => {
    const r = await send(base(override));
    const rcpt = r.wire.flatMap((t) => t.commands.filter((c) => /^RCPT/i.test(c)));
    report.push(`${label}: ${r.outcome.ok ? 'sent' : `refused: ${r.outcome.response}`}; RCPT ${JSON.stringify(rcpt)}`);
    for (const t of r.wire) expect(t.raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(r.wire.flatMap((t) => t.commands).join('\n')).not.toContain(EVIL);
    expect(r.accepted.flatMap((m) => m.to)).not.toContain(EVIL);
    // Nothing an address with a line break in it could mean is sendable: refused before any connection.
    expect(r.refusedByComposer).toBe(true);
    expect(r.wire).toHaveLength(0);
    expect(r.outcome.ok || r.outcome.response).toMatch(/^not sent: (from|to\[0\]|cc\[0\]) ".*" is not a plain address/s);
  });

  /** Address tricks: each may be refused with a reason, or go exactly to one of the allowed lists. */
  const TRICKS: [string, SendCommandV1['to'], string[][]][] = [
    ['quoted local part holding another address', [{ address: '"a@evil.test x"@ours.test' }], [['"a@evil.test x"@ours.test']]],
    ['comment inside the local part', [{ address: 'ours(comment)@ours.test' }], [['ours(comment)@ours.test'], ['ours@ours.test']]],
    ['comment before the local part', [{ address: '(x)bob@ours.test' }], [['(x)bob@ours.test'], ['bob@ours.test']]],
    ['display-name address in the address', [{ address: '"evil@x.test" <bob@ours.test>' }], [['bob@ours.test']]],
    ['name that looks like another address', [{ address: 'bob@ours.test', name: 'evil@x.test <evil@x.test>' }], [['bob@ours.test']]],
    ['Cyrillic o confusable', [{ address: 'b\u043eb@ours.test' }], [['b\u043eb@ours.test']]],
    ['IDN domain', [{ address: 'bob@\u00fcber.test' }], [['bob@xn--ber-goa.test'], ['bob@\u00fcber.test']]],
    ['two addresses in one field', [{ address: 'a@x.test, evil@y.test' }], []],
    ['two addresses, semicolon', [{ address: 'a@x.test; evil@y.test' }], []],
    ['group syntax', [{ address: 'team: a@x.test, evil@y.test;' }], []],
    ['angle route', [{ address: '<@evil.test:bob@ours.test>' }], [['bob@ours.test']]],
  ];

  it.each(TRICKS)('%s: refused with a reason or sent to exactly the intended address', async (label, to, allowed) => {
    const r = await send(base({ to }));
    const rcpt = r.wire.flatMap((t) => t.commands.filter((c) => /^RCPT/i.test(c)));
    report.push(`${label} ${JSON.stringify(to[0].address)}: ${r.outcome.ok ? 'sent' : `refused: ${r.outcome.response}`}; RCPT ${JSON.stringify(rcpt)}`);
    if (r.outcome.ok) {
      const got = expectCleanSession(r, 'alice@ours.test');
      expect(allowed).toContainEqual(got);
    } else {
      expect(r.outcome.response).toContain(JSON.stringify(to[0].address));
      expect(r.accepted).toHaveLength(0);
    }
    expect(rcpt.join('\n')).not.toMatch(/@(evil|x|y)\.test>/);
  });
});
