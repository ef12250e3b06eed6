/**
 * The Graph adapter (libs/mail-adapters/src/lib/graph) against the Graph EMULATOR: real HTTP,
 * msal-node, the documented Graph JSON; a test double, not Microsoft Graph. It lives next to the
 * emulator, as the Dataverse connector's spec does, so the lib is imported through its alias.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  deployGraphForwardRule, FORWARD_RULE_NAME, GraphMailSender, openGraphSession, removeGraphForwardRule, testGraphAccess,
  type GraphOptions, type OutgoingMessage, type ServerConnection,
} from '@mailrouter/mail-adapters';
import { EMULATOR_HEADER, GraphEmulator, startGraphEmulator } from '.';

/** A port nothing listens on (a server bound it and let it go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const APP = { clientId: 'mr-graph-test', clientSecret: 'graph-s3cret' };
const FAST: GraphOptions = { retry: { backoffBaseMs: 20, backoffMaxMs: 100 } };

function mime(subject: string, to = 'alice@contoso.test', extra = ''): Buffer {
  // CRLF, 8-bit UTF-8 body and a long header: fetched bytes must equal these exactly.
  return Buffer.from(
    `From: Carl Customer <carl@customer.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${randomBytes(6).toString('hex')}@customer.test>\r\nX-Long: ${'x'.repeat(200)}\r\n${extra}` +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
    'Grüße aus Köln – “quoted”\r\n.\r\nend\r\n', 'utf8');
}

describe('Microsoft Graph adapter against the Graph EMULATOR', () => {
  let emu: GraphEmulator;
  let origin: string;

  const conn = (mailbox: string, over: Partial<ServerConnection> = {}, graph: Partial<NonNullable<ServerConnection['graph']>> = {}): ServerConnection => ({
    protocol: 'graph', host: new URL(emu.baseUrl).hostname, port: Number(new URL(emu.baseUrl).port), security: 'tls',
    auth: { type: 'oauth2' }, allowInvalidCertificates: false, maxConnections: 4, mailbox,
    graph: { tenantId: emu.tenantId, clientId: APP.clientId, clientSecret: APP.clientSecret, authority: emu.authority, baseUrl: emu.baseUrl, ...graph },
    ...over,
  });
  const graphCalls = (mailbox: string) => emu.requests.filter((r) => r.kind === 'graph' && r.mailbox === mailbox);
  const outgoing = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
    from: { address: 'alice@contoso.test', name: 'Alice Adams' }, to: [{ address: 'bob@contoso.test' }], bcc: [{ address: 'audit@contoso.test' }],
    subject: 'Quote CRM:0001001', text: 'Here is the quote.', messageId: `<${randomBytes(6).toString('hex')}@mailrouter.test>`, ...over,
  });

  beforeAll(async () => {
    emu = await startGraphEmulator({ clients: [APP] });
    origin = new URL(emu.baseUrl).origin;
    for (const a of ['alice', 'bob', 'assistant', 'crm', 'busy', 'limits', 'audit']) emu.store.addMailbox(`${a}@contoso.test`);
    emu.store.addApp({ tenantId: emu.tenantId, clientId: 'restricted-app', secret: 'r-secret' });
    emu.store.restrictApp('restricted-app', ['bob@contoso.test']);
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('lists a delivered message by delta, fetches its MIME byte for byte, marks it read, and the saved state lists only what is new', async () => {
    const raw = mime('First');
    emu.store.deliver('alice@contoso.test', raw);
    const session = await openGraphSession(conn('alice@contoso.test'), FAST);
    expect(session.protocol).toBe('graph');
    expect(session.usesSyncState).toBe(true);

    const listed = await session.list({ sync: null });
    expect(listed).toHaveLength(1);
    const [msg] = listed;
    expect(msg.itemId).toBe(emu.store.messages('alice@contoso.test')[0].id);
    expect(msg.key).toMatch(/^graph:[0-9a-f]{40}$/);
    expect(msg.size).toBe(raw.length);
    const state = session.syncState!;
    expect(state).toContain('$deltatoken=');

    const [fetched] = await session.fetchMany([msg]);
    expect(fetched.status).toBe('ok');
    expect(fetched.status === 'ok' && fetched.raw.equals(raw)).toBe(true);
    expect(emu.store.messages('alice@contoso.test')[0].isRead).toBe(false); // fetching does not mark it read

    await session.markSeenMany([msg]);
    expect(emu.store.messages('alice@contoso.test')[0].isRead).toBe(true);
    expect(await session.list({ sync: state })).toEqual([]);

    const second = emu.store.deliver('alice@contoso.test', mime('Second'));
    const again = await session.list({ sync: session.syncState! });
    expect(again.map((m) => m.itemId)).toEqual([second.id]);

    // One token for everything, and every Graph call carried it (no 401).
    expect(emu.tokensIssued()).toBe(1);
    expect(emu.requests.filter((r) => r.kind === 'token')).toHaveLength(1);
    expect(graphCalls('alice@contoso.test').every((r) => r.status !== 401)).toBe(true);
    await session.markSeenMany(again);
    await session.close();
  });

  it('follows nextLink pages to the deltaLink, and reports too-large / gone', async () => {
    for (let i = 0; i < 130; i++) emu.store.deliver('limits@contoso.test', mime(`bulk ${i}`, 'limits@contoso.test'));
    const big = emu.store.deliver('limits@contoso.test', mime('big', 'limits@contoso.test', `X-Pad: ${'p'.repeat(5000)}\r\n`));
    const session = await openGraphSession(conn('limits@contoso.test'), { ...FAST, maxMessageBytes: 4000 });
    const listed = await session.list({ sync: null });
    expect(listed).toHaveLength(131);
    expect(graphCalls('limits@contoso.test').filter((r) => r.path.includes('/messages/delta'))).toHaveLength(2);
    const bigMsg = listed.find((m) => m.itemId === big.id)!;
    expect(await session.fetch(bigMsg)).toEqual({ status: 'too-large', size: big.mime.length });
    // Size unknown at list time: the limit is applied while reading.
    expect(await session.fetch({ ...bigMsg, size: 0 })).toEqual({ status: 'too-large', size: big.mime.length });
    expect(await session.fetch({ ...bigMsg, size: 0, itemId: 'AAMkAGEmuNoSuchMessage' })).toEqual({ status: 'gone' });
  });

  it('moves messages to a folder it creates once, and deletes to Deleted Items', async () => {
    const a = emu.store.deliver('bob@contoso.test', mime('to move 1', 'bob@contoso.test'));
    const b = emu.store.deliver('bob@contoso.test', mime('to move 2', 'bob@contoso.test'));
    const c = emu.store.deliver('bob@contoso.test', mime('to delete', 'bob@contoso.test'));
    const session = await openGraphSession(conn('bob@contoso.test'), FAST);
    await session.moveMany!([{ itemId: a.id }], 'CRM Processed');
    await session.moveMany!([{ itemId: b.id }], 'CRM Processed');
    await session.deleteMany([{ itemId: c.id }]);

    const folders = [...emu.store.mailbox('bob@contoso.test')!.folders.values()].filter((f) => f.displayName === 'CRM Processed');
    expect(folders).toHaveLength(1);
    expect(emu.store.messages('bob@contoso.test', folders[0].id).map((m) => m.mime.toString())).toEqual([a.mime.toString(), b.mime.toString()]);
    expect(emu.store.messages('bob@contoso.test', 'deleteditems').map((m) => m.mime.toString())).toEqual([c.mime.toString()]);
    expect(emu.store.messages('bob@contoso.test', 'inbox')).toHaveLength(0);
    // Settling a message already gone is not an error.
    await expect(session.markSeenMany([{ itemId: a.id }])).resolves.toBeUndefined();
  });

  it('sends as the user: posted to the user mailbox, From the user, no Sender, saved to Sent Items, Bcc delivered', async () => {
    const sender = new GraphMailSender(conn('alice@contoso.test'), FAST);
    const message = outgoing();
    const outcome = await sender.send(message);
    expect(outcome).toMatchObject({ ok: true, messageId: message.messageId });
    const record = emu.store.sent.at(-1)!;
    expect(record).toMatchObject({ mailbox: 'alice@contoso.test', from: 'alice@contoso.test' });
    expect(record.sender).toBeUndefined();
    expect(record.recipients).toEqual(['bob@contoso.test', 'audit@contoso.test']);
    expect(record.mime.toString()).toContain(`Message-ID: ${message.messageId}`);
    const sentItems = emu.store.messages('alice@contoso.test', 'sentitems');
    expect(sentItems.at(-1)!.mime.equals(record.mime)).toBe(true);
    expect(emu.store.messages('audit@contoso.test').at(-1)!.mime.toString()).not.toMatch(/^Bcc:/im);
  });

  it('sends on behalf: refused without the grant (permanent, ErrorSendAsDenied); with it From = user, Sender = sending account, Sent Items of the account', async () => {
    const onBehalf = conn('alice@contoso.test', { sendAccess: 'on-behalf', sendingAccount: 'assistant@contoso.test' });
    const refused = await new GraphMailSender(onBehalf, FAST).send(outgoing());
    expect(refused).toMatchObject({ ok: false, class: 'permanent', responseCode: 403 });
    expect(!refused.ok && refused.response).toContain('ErrorSendAsDenied');

    emu.store.grantSend('assistant@contoso.test', 'alice@contoso.test', 'send-on-behalf');
    const sent = await new GraphMailSender(onBehalf, FAST).send(outgoing({ subject: 'On behalf' }));
    expect(sent.ok).toBe(true);
    expect(emu.store.sent.at(-1)).toMatchObject({ mailbox: 'assistant@contoso.test', from: 'alice@contoso.test', sender: 'assistant@contoso.test' });
    expect(emu.store.messages('assistant@contoso.test', 'sentitems').at(-1)!.mime.toString()).toContain('Subject: On behalf');

    const bad = await new GraphMailSender(conn('alice@contoso.test'), FAST).send(outgoing({ to: [{ address: 'not-an-address' }], bcc: [] }));
    expect(bad).toMatchObject({ ok: false, class: 'permanent', responseCode: 400 });
    expect(!bad.ok && bad.response).toContain('ErrorInvalidRecipients');
  });

  it('waits out a 429 Retry-After and retries 503s, then succeeds; a throttle that outlasts the attempts is transient', async () => {
    emu.store.deliver('busy@contoso.test', mime('throttled', 'busy@contoso.test'));
    const session = await openGraphSession(conn('busy@contoso.test'), FAST);
    emu.failNext('busy@contoso.test', 1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const listed = await session.list({ sync: null });
    const waited = Date.now() - started;
    expect(listed).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(1000);
    const calls = graphCalls('busy@contoso.test');
    expect(calls.map((r) => r.status)).toEqual([429, 200]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(990);

    emu.failNext('busy@contoso.test', 2, { status: 503 });
    expect((await session.fetch(listed[0])).status).toBe('ok');

    emu.failNext('busy@contoso.test', 3, { status: 504 });
    const failed = await new GraphMailSender(conn('busy@contoso.test'), { retry: { maxAttempts: 3, backoffBaseMs: 10 } }).send(outgoing({ from: { address: 'busy@contoso.test' } }));
    expect(failed).toMatchObject({ ok: false, class: 'transient', responseCode: 504 });
  });

  it('keeps at most 4 requests in flight per mailbox across sessions and senders of the process', async () => {
    const raws = Array.from({ length: 12 }, (_, i) => emu.store.deliver('crm@contoso.test', mime(`many ${i}`, 'crm@contoso.test')));
    emu.setHoldMs(40);
    try {
      const s1 = await openGraphSession(conn('crm@contoso.test'), FAST);
      const s2 = await openGraphSession(conn('crm@contoso.test'), FAST);
      const listed = await s1.list({ sync: null });
      const sender = new GraphMailSender(conn('crm@contoso.test'), FAST);
      const results = await Promise.all([
        s1.fetchMany(listed.slice(0, 6)), s2.fetchMany(listed.slice(6)), s2.markSeenMany(listed.slice(0, 4)),
        sender.send(outgoing({ from: { address: 'crm@contoso.test' }, to: [{ address: 'dana@customer.test' }], bcc: [] })),
      ]);
      expect([...results[0], ...results[1]].every((f) => f.status === 'ok')).toBe(true);
      expect(results[3].ok).toBe(true);
      expect(raws).toHaveLength(12);
    } finally {
      emu.setHoldMs(0);
    }
    const max = emu.maxInFlight.get('crm@contoso.test')!;
    expect(max).toBeGreaterThan(1);
    expect(max).toBeLessThanOrEqual(4);
  });

  it('deploys the forward rule idempotently (one rule), which forwards as attachment, and removes it', async () => {
    const c = conn('alice@contoso.test');
    expect((await deployGraphForwardRule(c, 'crm@contoso.test', FAST)).change).toBe('created');
    expect((await deployGraphForwardRule(c, 'crm@contoso.test', FAST)).change).toBe('unchanged');
    const rules = emu.store.rules('alice@contoso.test');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ displayName: FORWARD_RULE_NAME, isEnabled: true, actions: { forwardAsAttachmentTo: [{ emailAddress: { address: 'crm@contoso.test' } }] } });

    const original = mime('Forward me');
    const before = emu.store.messages('crm@contoso.test').length;
    emu.store.deliver('alice@contoso.test', original);
    const wrapper = emu.store.messages('crm@contoso.test').slice(before)[0].mime;
    expect(wrapper.toString()).toMatch(/^From: "alice" <alice@contoso\.test>/m);
    expect(wrapper.toString()).toContain('Content-Type: message/rfc822');
    expect(wrapper.includes(original)).toBe(true);

    expect((await removeGraphForwardRule(c, 'crm@contoso.test', FAST)).change).toBe('removed');
    expect((await removeGraphForwardRule(c, 'crm@contoso.test', FAST)).change).toBe('absent');
    expect(emu.store.rules('alice@contoso.test')).toHaveLength(0);
  });

  it('test access: success both ways, and the failures an admin can act on', async () => {
    expect(await testGraphAccess(conn('alice@contoso.test'), 'incoming', FAST)).toMatchObject({ status: 'success' });
    expect(await testGraphAccess(conn('alice@contoso.test'), 'outgoing', FAST)).toMatchObject({ status: 'success' });

    const wrongSecret = await testGraphAccess(conn('alice@contoso.test', {}, { clientSecret: 'not-the-secret' }), 'incoming', FAST);
    expect(wrongSecret.status).toBe('failure');
    expect(wrongSecret.message).toContain('AADSTS7000215: Invalid client secret provided');

    const wrongPath = await testGraphAccess(conn('alice@contoso.test', {}, { baseUrl: `${origin}/graph/v1.0` }), 'incoming', FAST);
    expect(wrongPath).toMatchObject({ status: 'failure' });
    expect(wrongPath.message).toContain(`Graph at ${origin}/graph/v1.0 answered 404`);

    const closedPort = await freePort();
    const unreachable = await testGraphAccess(conn('alice@contoso.test', {}, { baseUrl: `http://127.0.0.1:${closedPort}/v1.0` }), 'incoming', FAST);
    expect(unreachable.message).toMatch(new RegExp(`^Graph at http://127\\.0\\.0\\.1:${closedPort}/v1\\.0 is unreachable: .*ECONNREFUSED`));

    const badTenant = 'b0000000-0000-4000-8000-0000000000bd';
    const discovery = await testGraphAccess(conn('alice@contoso.test', {}, { tenantId: badTenant, authority: `${origin}/${badTenant}` }), 'incoming', FAST);
    expect(discovery.message).toMatch(new RegExp(`^tenant discovery failed for ${origin}/${badTenant}: AADSTS90002: Tenant '${badTenant}' not found`));

    const unknown = await testGraphAccess(conn('nobody@contoso.test'), 'incoming', FAST);
    expect(unknown.message).toContain('mailbox nobody@contoso.test not found: GET');
    expect(unknown.message).toContain('ErrorInvalidUser');

    const restricted = { clientId: 'restricted-app', clientSecret: 'r-secret' };
    expect(await testGraphAccess(conn('bob@contoso.test', {}, restricted), 'incoming', FAST)).toMatchObject({ status: 'success' });
    const denied = await testGraphAccess(conn('alice@contoso.test', {}, restricted), 'outgoing', FAST);
    expect(denied.message).toMatch(/^access denied to alice@contoso\.test \(outgoing\): .*ErrorAccessDenied: Access to OData is disabled/);
  });

  it('gets a token with a certificate (client_assertion), and a wrong certificate is refused with Entra ID\'s words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-cert-'));
    const makeCert = (name: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
      const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
      return { pem, privateKey: readFileSync(join(dir, `${name}.key`), 'utf8'), thumbprint: createHash('sha1').update(new X509Certificate(pem).raw).digest('hex') };
    };
    try {
      const registered = makeCert('registered');
      const other = makeCert('other');
      emu.store.addApp({ tenantId: emu.tenantId, clientId: 'cert-app', certificatePem: registered.pem });
      const viaCert = (c: { thumbprint: string; privateKey: string }) =>
        conn('alice@contoso.test', {}, { clientId: 'cert-app', clientSecret: undefined, certificate: { thumbprint: c.thumbprint, privateKey: c.privateKey } });
      expect(await testGraphAccess(viaCert(registered), 'incoming', FAST)).toMatchObject({ status: 'success' });
      const refused = await testGraphAccess(viaCert(other), 'incoming', FAST);
      expect(refused.message).toContain('AADSTS700027');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('labels every response as the emulator', async () => {
    const res = await fetch(`${emu.baseUrl}/users/alice@contoso.test/mailFolders/inbox`);
    expect(res.status).toBe(401);
    expect(res.headers.get(EMULATOR_HEADER)).toBe('MailRouter Graph EMULATOR - a test double, not Microsoft Graph');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });
});
