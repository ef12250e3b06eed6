import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENTS, prefixed, SendCommandV1, SendResultV1 } from '@mailrouter/contracts';
import { deterministicMessageId } from '@mailrouter/domain';
import { RpcClient } from '@mailrouter/messaging';
import { sealSecret } from '@mailrouter/platform';
import { SmtpSink, SunkMessage, waitFor } from '@mailrouter/testing';
import { SendResultsRepository } from './send/send-results.repository';
import { OutgoingApp, smtpEndpoint, testSendCommand } from './testing/outgoing-app';

const SMTP_USER = 'router';
const SMTP_PASS = 's3cret';
const MAX_ATTEMPTS = 3;

function command(emailId: string, overrides: Partial<SendCommandV1> = {}): SendCommandV1 {
  return testSendCommand(emailId, overrides);
}

function headerLines(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

function header(raw: Buffer, name: string): string[] {
  const p = `${name.toLowerCase()}:`;
  return headerLines(raw).filter((h) => h.toLowerCase().startsWith(p)).map((h) => h.slice(p.length).trim());
}

// The per-project testTimeout of jest.config.js is not applied: give real servers time.

describe('outgoing service: send commands in, mail out over SMTP, results back', () => {
  const outgoing = new OutgoingApp();
  const { prefix } = outgoing;
  const secretKey = randomBytes(32);
  const offersTo = new Map<string, number>();
  const sink = new SmtpSink({
    auth: { user: SMTP_USER, pass: SMTP_PASS },
    script: (_offer, _from, to) => {
      const rcpt = to[0] ?? '';
      const n = (offersTo.get(rcpt) ?? 0) + 1;
      offersTo.set(rcpt, n);
      if (rcpt.startsWith('later@') && n === 1) return { code: 451, message: '4.3.0 try later' };
      if (rcpt.startsWith('never@')) return { code: 451, message: '4.3.0 try later' };
      if (rcpt.startsWith('gone@')) return { code: 550, message: '5.1.1 mailbox unavailable' };
      return undefined;
    },
  });
  let app: INestApplication;
  let published: SendResultV1[] = [];

  function endpoint(pass = SMTP_PASS) {
    return smtpEndpoint(sink.port, { auth: { type: 'basic' as const, username: SMTP_USER, password: sealSecret(secretKey, pass) } });
  }

  const resultsInStream = (emailId: string) => outgoing.resultsInStream(emailId);
  const resultOf = (emailId: string) => outgoing.resultOf(emailId, 30_000);

  function sunk(messageId: string): SunkMessage[] {
    return sink.accepted.filter((m) => header(m.raw, 'Message-ID').includes(messageId));
  }

  const publish = (cmd: SendCommandV1, msgId?: string) => outgoing.publish(cmd, msgId);

  beforeAll(async () => {
    await sink.start();
    await outgoing.start(endpoint(), {
      ROUTER_SECRET_KEY: secretKey.toString('base64'),
      SEND_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SEND_RETRY_INITIAL_MS: '200',
      SEND_RETRY_MAX_MS: '1000',
      SEND_IN_FLIGHT_RECHECK_MS: '200',
    }, (built: INestApplication) => {
      app = built;
      const results = app.get(SendResultsRepository);
      const original = results.publish.bind(results);
      jest.spyOn(results, 'publish').mockImplementation(async (r) => {
        published.push(r);
        return original(r);
      });
    });
  });

  afterAll(async () => {
    await outgoing.stop();
    await sink.stop();
  });

  beforeEach(() => {
    published = [];
  });

  it('sends with the tracking token in the subject and the deterministic Message-ID, and reports sent', async () => {
    const cmd = command('email-sent', {
      cc: [{ address: 'carol@example.org' }],
      inReplyTo: '<orig@example.org>',
      references: ['<root@example.org>', '<orig@example.org>'],
    });
    await publish(cmd);
    const result = await resultOf('email-sent');
    const messageId = deterministicMessageId('email-sent', 'alice@example.com');
    expect(result).toMatchObject({
      outcome: 'sent', messageId, deliveryAttempts: 1, possibleDuplicate: false,
    });
    expect(result.serverResponse).toMatch(/^250 /);
    const [mail] = sunk(messageId);
    expect(mail.to.sort()).toEqual(['bob@example.org', 'carol@example.org']);
    expect(header(mail.raw, 'Subject')).toEqual(['Your quote CRM:00010042']);
    expect(header(mail.raw, 'In-Reply-To')).toEqual(['<orig@example.org>']);
    expect(header(mail.raw, 'References')).toEqual(['<root@example.org> <orig@example.org>']);
    expect(header(mail.raw, 'X-MailRouter-Email-Id')).toEqual(['email-sent']);
  });

  it('retries a 451 with backoff and reports sent with deliveryAttempts 2', async () => {
    await publish(command('email-later', { to: [{ address: 'later@example.org' }] }));
    const result = await resultOf('email-later');
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 2, possibleDuplicate: false });
    expect(offersTo.get('later@example.org')).toBe(2);
    expect(sunk(result.messageId)).toHaveLength(1);
  });

  it('reports a 550 as failed at once, with the server reply and one attempt', async () => {
    await publish(command('email-gone', { to: [{ address: 'gone@example.org' }] }));
    const result = await resultOf('email-gone');
    expect(result).toMatchObject({
      outcome: 'failed', deliveryAttempts: 1, serverResponse: '550 5.1.1 mailbox unavailable',
    });
    expect(result.reason).toContain('550 5.1.1 mailbox unavailable');
    expect(offersTo.get('gone@example.org')).toBe(1);
  });

  it('fails an email with an address that is not plain at once, naming it, without connecting: never rewritten into another mailbox', async () => {
    await publish(command('email-trick', { to: [{ address: 'a@x.test, evil@y.test' }] }));
    const result = await resultOf('email-trick');
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: 0 });
    expect(result.reason).toMatch(/^not sent: to\[0\] "a@x\.test, evil@y\.test" is not a plain address/);
    expect(offersTo.get('evil@y.test')).toBeUndefined();
    expect([...offersTo.keys()].some((k) => k.includes('evil'))).toBe(false);
  });

  it('gives up on a server that keeps answering 4xx after SEND_MAX_ATTEMPTS, with the last reply', async () => {
    await publish(command('email-never', { to: [{ address: 'never@example.org' }] }));
    const result = await resultOf('email-never');
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: MAX_ATTEMPTS, serverResponse: '451 4.3.0 try later' });
    expect(result.reason).toMatch(/gave up after 3 attempts/);
    expect(offersTo.get('never@example.org')).toBe(MAX_ATTEMPTS);
  });

  it('a command for a mailbox the configuration does not know fails after the attempts with a clear reason', async () => {
    await publish(command('email-nombx', { mailboxId: 'mbx-unknown', to: [{ address: 'nobody@example.org' }] }));
    const result = await resultOf('email-nombx');
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: 0 });
    expect(result.reason).toMatch(/mbx-unknown is not in the published configuration/);
    expect(offersTo.get('nobody@example.org')).toBeUndefined();
  });

  it('the same command published twice (a re-claim) sends one message and reports the same result twice', async () => {
    const cmd = command('email-dup', { to: [{ address: 'dup@example.org' }] });
    await publish(cmd, 'email-dup:claim:1');
    await publish({ ...cmd, claim: 2 }, 'email-dup:claim:2');
    await waitFor('two reports of email-dup', () => published.filter((r) => r.emailId === 'email-dup').length === 2, 30_000);
    const reports = published.filter((r) => r.emailId === 'email-dup');
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[0]).toMatchObject({ outcome: 'sent', deliveryAttempts: 1 });
    expect(sunk(reports[0].messageId)).toHaveLength(1);
    expect(offersTo.get('dup@example.org')).toBe(1);
    // Same Nats-Msg-Id: the stream holds the result once.
    expect(await resultsInStream('email-dup')).toEqual([reports[0]]);
  });

  it('a `sending` row left by a crashed attempt is sent again with the same Message-ID, flagged possible duplicate', async () => {
    const messageId = deterministicMessageId('email-crashed', 'alice@example.com');
    await app.get(DataSource).query(
      `INSERT INTO outgoing.send_log (email_id, message_id, state, attempts, attempt_lease_until, first_attempt_at)
       VALUES ($1, $2, 'sending', 1, now() - interval '1 second', now() - interval '5 minutes')`,
      ['email-crashed', messageId],
    );
    await publish(command('email-crashed', { to: [{ address: 'crashed@example.org' }] }));
    const result = await resultOf('email-crashed');
    expect(result).toMatchObject({ outcome: 'sent', messageId, deliveryAttempts: 2, possibleDuplicate: true });
    expect(sunk(messageId)).toHaveLength(1);
  });

  it('CR/LF in the subject or a display name never becomes a header', async () => {
    await publish(command('email-crlf', {
      subject: 'Invoice\r\nBcc: victim@evil.test\r\nX-Injected: yes',
      from: { address: 'alice@example.com', name: 'Alice\r\nX-Injected: from-name' },
      to: [{ address: 'crlf@example.org', name: 'Bob\nReply-To: evil@evil.test' }],
    }));
    const result = await resultOf('email-crlf');
    expect(result.outcome).toBe('sent');
    const [mail] = sunk(result.messageId);
    expect(mail.to).toEqual(['crlf@example.org']);
    expect(header(mail.raw, 'X-Injected')).toEqual([]);
    expect(header(mail.raw, 'Bcc')).toEqual([]);
    expect(header(mail.raw, 'Reply-To')).toEqual([]);
    expect(header(mail.raw, 'Subject')).toHaveLength(1);
  });

  it('keeps an unreadable send command in the quarantine table with the reason, and sends nothing', async () => {
    const before = sink.offers;
    await outgoing.nc.jetstream().publish(prefixed(prefix, EVENTS.sendCommand.subject), Buffer.from(JSON.stringify({ emailId: 'email-bad' })), { msgID: 'email-bad:claim:1' });
    const [row] = await waitFor('the quarantined command', async () => {
      const rows = (await app.get(DataSource).query(`SELECT msg_id, reason, payload FROM outgoing.quarantine WHERE msg_id = 'email-bad:claim:1'`)) as { msg_id: string; reason: string; payload: { emailId: string } }[];
      return rows.length ? rows : undefined;
    });
    expect(row.reason).toMatch(/invalid sendCommand payload/);
    expect(row.payload.emailId).toBe('email-bad');
    expect(sink.offers).toBe(before);
  });

  it('answers outgoingTestAccess with success or the server words on a wrong password', async () => {
    const rpc = app.get(RpcClient);
    const ok = await rpc.request('outgoingTestAccess', { mailboxAddress: 'alice@example.com', endpoint: endpoint() });
    expect(ok.status).toBe('success');
    expect(ok.testedAt).toBeDefined();
    const wrong = await rpc.request('outgoingTestAccess', { mailboxAddress: 'alice@example.com', endpoint: endpoint('wrong') });
    expect(wrong).toMatchObject({ status: 'failure', message: 'Invalid login: 535 5.7.8 Authentication credentials invalid' });
  });
});
