import type { RuleDeployReplyV1, RuleDeployRequestV1 } from '@mailrouter/contracts';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ALICE_PASSWORD = 'alice-Sieve-Pa55-81ff';
const ROUTE = '/api/v1/mailboxes/rules/deploy';
const UNKNOWN = '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f';

/** What a well-behaved incoming answers: every mailbox created (or removed) over ManageSieve. */
function allDone(data: unknown): { response: RuleDeployReplyV1 } {
  const req = data as RuleDeployRequestV1;
  return {
    response: {
      results: req.mailboxes.map((m) => ({
        mailboxId: m.mailboxId, address: m.address, via: 'sieve' as const,
        change: req.action === 'deploy' ? 'created' as const : 'removed' as const,
        message: `script mailrouter-forward ${req.action === 'deploy' ? 'active' : 'deleted'}`,
      })),
    },
  };
}

describe('rule deployment API (config → incoming over NATS request-reply)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  const mb: Record<string, Json> = {};

  const call = async (method: string, path: string, body?: unknown, expected = 200): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };
  const fieldsOf = (body: Json) => (body.fields as { field: string }[]).map((f) => f.field).sort();
  const rulesRequests = () => responder.requests.filter((r) => r.name === 'incomingRules').map((r) => r.data as RuleDeployRequestV1);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { TEST_ACCESS_TIMEOUT_SECONDS: '1' } });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    const imap = await call('POST', '/api/v1/profiles', {
      name: 'dovecot', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none', manageSievePort: 14190,
    }, 201);
    const dep = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id }, 201);
    const other = await call('POST', '/api/v1/deployments', { name: 'Fabrikam', incomingProfileId: imap.id }, 201);
    const add = async (key: string, body: Json) => {
      mb[key] = await call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', ...body }, 201);
    };
    await add('forward', { kind: 'forward', address: 'crm-forward@contoso.test', password: 'fw-pw' });
    await add('alice', { address: 'alice@contoso.test', password: ALICE_PASSWORD });
    await add('bob', { address: 'bob@contoso.test' }); // no password: no usable incoming access
    await add('carol', { address: 'carol@contoso.test', password: 'c', enabled: false });
    await add('queue', { kind: 'queue', address: 'support@contoso.test', password: 'q' });
    await add('stranger', { deploymentId: other.id, address: 'dave@fabrikam.test', password: 'd' });
  });

  afterEach(async () => {
    await responder.stopAll();
    responder.requests.length = 0;
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('answers 400 naming the field for a bad request, before asking incoming', async () => {
    await responder.answer('incomingRules', allDone);
    const bad = async (body: unknown) => {
      const res = await api.call<Json>('POST', ROUTE, body);
      expect(res.status).toBe(400);
      return fieldsOf(res.body);
    };
    expect(await bad({ mailboxIds: [mb.alice!.id] })).toEqual(['forwardMailboxId']);
    expect(await bad({ forwardMailboxId: mb.forward!.id })).toEqual(['mailboxIds']);
    expect(await bad({ forwardMailboxId: mb.forward!.id, mailboxIds: [mb.alice!.id], all: true })).toEqual(['all']);
    expect(await bad({ forwardMailboxId: mb.forward!.id, all: true, action: 'explode' })).toEqual(['action']);
    expect(await bad({ forwardMailboxId: mb.forward!.id, mailboxIds: ['nope'] })).toEqual(['mailboxIds.0']);
    const stray = await api.call<Json>('POST', ROUTE, { forwardMailboxId: mb.forward!.id, all: true, forwardMailbox: 'x' });
    expect([stray.status, stray.body.message]).toEqual([400, expect.stringContaining('forwardMailbox')]);
    const notForward = await api.call<Json>('POST', ROUTE, { forwardMailboxId: mb.alice!.id, all: true });
    expect(notForward.body.fields).toEqual([{ field: 'forwardMailboxId', message: 'alice@contoso.test is a user mailbox, not a forward mailbox' }]);
    expect(await bad({ forwardMailboxId: UNKNOWN, all: true })).toEqual(['forwardMailboxId']);
    const unknownUser = await api.call<Json>('POST', ROUTE, { forwardMailboxId: mb.forward!.id, mailboxIds: [mb.alice!.id, UNKNOWN] });
    expect(unknownUser.body.fields).toEqual([{ field: 'mailboxIds.1', message: `no mailbox ${UNKNOWN}` }]);
    expect(rulesRequests()).toEqual([]);
  });

  it('answers 503 when incoming is not running, with a clear message', async () => {
    const res = await api.call<Json>('POST', ROUTE, { forwardMailboxId: mb.forward!.id, mailboxIds: [mb.alice!.id] });
    expect(res.status).toBe(503);
    expect(res.body.message).toBe('the incoming service did not answer within 4 s (none is running): no forward rule was deployed');
  });

  it("sends the resolved endpoints to incoming and reports incoming's result or the local reason per mailbox", async () => {
    await responder.answer('incomingRules', allDone);
    const chosen = ['queue', 'alice', 'stranger', 'bob', 'forward', 'carol'].map((k) => mb[k]!.id);
    const out = await call('POST', ROUTE, { forwardMailboxId: mb.forward!.id, mailboxIds: chosen });

    const [request, ...more] = rulesRequests();
    expect(more).toEqual([]);
    expect(request!.action).toBe('deploy');
    expect(request!.forwardAddress).toBe('crm-forward@contoso.test');
    expect(request!.mailboxes.map((m) => m.address)).toEqual(['alice@contoso.test', 'carol@contoso.test']);
    const alice = request!.mailboxes[0]!;
    expect(alice.endpoint).toMatchObject({
      protocol: 'imap', host: '127.0.0.1', port: 10143, manageSievePort: 14190, mailbox: 'alice@contoso.test',
      auth: { type: 'basic', username: 'alice@contoso.test' },
    });
    expect(openSecret(decodeSecretKey(api.secretKey), alice.endpoint.auth.password!)).toBe(ALICE_PASSWORD);

    expect(out.forwardMailbox).toEqual({ id: mb.forward!.id, address: 'crm-forward@contoso.test' });
    expect(out.action).toBe('deploy');
    expect(out.results.map((r: Json) => [r.address, r.change])).toEqual([
      ['support@contoso.test', 'failed'],
      ['alice@contoso.test', 'created'],
      ['dave@fabrikam.test', 'failed'],
      ['bob@contoso.test', 'failed'],
      ['crm-forward@contoso.test', 'failed'],
      ['carol@contoso.test', 'created'],
    ]);
    expect(out.results[1]).toEqual({ mailboxId: mb.alice!.id, address: 'alice@contoso.test', via: 'sieve', change: 'created', message: 'script mailrouter-forward active' });
    expect(out.results[0].message).toMatch(/queue mailbox gets no forward rule/);
    expect(out.results[2].message).toMatch(/another deployment/);
    expect(out.results[3].message).toMatch(/^no usable incoming access: missing credentials: the mailbox has no password/);
    expect(out.results[4].message).toMatch(/forward mailbox itself/);
    expect(out.summary).toEqual({ created: 2, updated: 0, unchanged: 0, removed: 0, absent: 0, failed: 4 });
  });

  it('with all: true asks about every enabled user mailbox of the deployment, and removes as asked', async () => {
    await responder.answer('incomingRules', allDone);
    const out = await call('POST', ROUTE, { forwardMailboxId: mb.forward!.id, all: true, action: 'remove' });
    expect(rulesRequests().map((r) => [r.action, r.mailboxes.map((m) => m.address)])).toEqual([['remove', ['alice@contoso.test']]]);
    expect(out.results.map((r: Json) => [r.address, r.change])).toEqual([['alice@contoso.test', 'removed'], ['bob@contoso.test', 'failed']]);
    expect(out.summary).toMatchObject({ removed: 1, failed: 1 });
  });

  it('asks in chunks of 100; a chunk incoming refuses or skips fails per mailbox, the others keep their results', async () => {
    const profile = await call('POST', '/api/v1/profiles', {
      name: 'shared', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none',
      credentials: 'profile', username: 'svc', password: 'svc-pw',
    }, 201);
    const big = await call('POST', '/api/v1/deployments', { name: 'Big', incomingProfileId: profile.id }, 201);
    const records = Array.from({ length: 230 }, (_, i) => ({ crmId: `u${i}`, kind: 'user', name: `U ${i}`, address: `u${String(i).padStart(3, '0')}@big.test` }));
    await responder.answer('crmLoadData', () => ({ response: { records } }));
    await call('POST', `/api/v1/deployments/${big.id}/load-data`);
    const forward = await call('POST', '/api/v1/mailboxes', { deploymentId: big.id, kind: 'forward', address: 'fw@big.test' }, 201);

    let calls = 0;
    await responder.answer('incomingRules', (data) => {
      calls += 1;
      if (calls === 2) return { err: { status: 'error', message: 'ManageSieve: server busy' } };
      const reply = allDone(data);
      if (calls === 3) reply.response.results.pop(); // incoming forgot one
      return reply;
    });
    const out = await call('POST', ROUTE, { forwardMailboxId: forward.id, all: true });
    expect(rulesRequests().map((r) => r.mailboxes.length)).toEqual([100, 100, 30]);
    expect(out.results).toHaveLength(230);
    expect(out.results.map((r: Json) => r.address)).toEqual(records.map((r) => r.address));
    expect(out.summary).toMatchObject({ created: 129, failed: 101 });
    expect(out.results[150]).toMatchObject({ change: 'failed', message: 'the incoming service answered with an error: ManageSieve: server busy' });
    expect(out.results[229]).toMatchObject({ address: 'u229@big.test', change: 'failed', message: 'the incoming service gave no result for this mailbox' });
  });
});
