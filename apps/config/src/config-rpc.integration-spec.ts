import type { MailboxStatusReplyV1, TestAccessRequestV1 } from '@mailrouter/contracts';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MAILBOX_PASSWORD = 'alice-Secret-2291';

describe('config API asking the other services over NATS request-reply', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  let deployment: Json;

  const call = async (method: string, path: string, body?: unknown, expected = 200): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({
      databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix,
      env: { TEST_ACCESS_TIMEOUT_SECONDS: '1', LOAD_DATA_TIMEOUT_SECONDS: '1', MAILBOX_STATUS_TIMEOUT_SECONDS: '1' },
    });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    const imap = await call('POST', '/api/v1/profiles', {
      name: 'imap', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none',
    }, 201);
    const smtp = await call('POST', '/api/v1/profiles', {
      name: 'smtp', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: 2525, security: 'none', auth: { type: 'none' },
    }, 201);
    deployment = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id }, 201);
  });

  afterEach(async () => {
    await responder.stopAll();
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  describe('load data', () => {
    it('answers 503 when the CRM is not running or does not answer, 404 for an unknown deployment', async () => {
      const res = await api.call<Json>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/did not answer within 1 s/);
      await responder.ignore('crmLoadData');
      const hung = await api.call<Json>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
      expect(hung.status).toBe(503);
      expect(hung.body.message).toBe('the CRM (crm-sync) did not answer within 1 s: load data did not run');
      expect((await api.call('POST', '/api/v1/deployments/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f/load-data')).status).toBe(404);
      expect((await api.call<Json[]>('GET', `/api/v1/mailboxes?deploymentId=${deployment.id}`)).body).toEqual([]);
    });

    it("creates the CRM's users and queues as mailboxes, then updates the changed ones", async () => {
      let records = [
        { crmId: 'u-alice', kind: 'user', name: 'Alice', address: 'Alice@Contoso.test' },
        { crmId: 'q-support', kind: 'queue', name: 'Support', address: 'support@contoso.test' },
      ];
      await responder.answer('crmLoadData', () => ({ response: { records } }));
      const first = await call('POST', `/api/v1/deployments/${deployment.id}/load-data`);
      expect(responder.requests.at(-1)).toEqual({ name: 'crmLoadData', data: { deploymentId: deployment.id, crm: { type: 'builtin' } } });
      expect(first.unchanged).toBe(0);
      expect(first.updated).toEqual([]);
      expect(first.created.map((m: Json) => [m.kind, m.address, m.crmId, m.enabled])).toEqual([
        ['user', 'alice@contoso.test', 'u-alice', true],
        ['queue', 'support@contoso.test', 'q-support', true],
      ]);

      records = [
        { crmId: 'u-alice', kind: 'user', name: 'Alice', address: 'alice.smith@contoso.test' },
        { crmId: 'q-support', kind: 'queue', name: 'Support', address: 'support@contoso.test' },
        { crmId: 'u-bob', kind: 'user', name: 'Bob', address: 'bob@contoso.test' },
      ];
      const second = await call('POST', `/api/v1/deployments/${deployment.id}/load-data`);
      expect(second.created.map((m: Json) => m.address)).toEqual(['bob@contoso.test']);
      expect(second.updated.map((m: Json) => [m.id, m.address])).toEqual([[first.created[0].id, 'alice.smith@contoso.test']]);
      expect(second.unchanged).toBe(1);
      const listed = (await api.call<Json[]>('GET', `/api/v1/mailboxes?deploymentId=${deployment.id}`)).body;
      expect(listed.map((m) => m.address).sort()).toEqual(['alice.smith@contoso.test', 'bob@contoso.test', 'support@contoso.test']);
    });

    it('answers 502 when the CRM answers with an error', async () => {
      await responder.answer('crmLoadData', () => ({ err: { status: 'error', message: 'CRM database is down' } }));
      const res = await api.call<Json>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
      expect(res.status).toBe(502);
      expect(res.body.message).toContain('CRM database is down');
    });
  });

  describe('test access and mailbox status', () => {
    let alice: Json;

    beforeAll(async () => {
      alice = await call('POST', '/api/v1/mailboxes', {
        deploymentId: deployment.id, kind: 'user', address: 'carol@contoso.test', password: MAILBOX_PASSWORD,
      }, 201);
    });

    it('asks incoming and outgoing with the resolved endpoint, reports a timeout, keeps the results', async () => {
      await responder.answer('incomingTestAccess', () => ({ response: { status: 'success', message: 'IMAP login ok' } }));
      await responder.ignore('outgoingTestAccess');
      const result = await call('POST', `/api/v1/mailboxes/${alice.id}/test-access`);
      expect(result.incoming).toEqual({ status: 'success', message: 'IMAP login ok', testedAt: expect.any(String) });
      expect(result.outgoing).toEqual({ status: 'failure', message: 'the outgoing service did not answer within 1 s', testedAt: expect.any(String) });

      const request = responder.requests.find((r) => r.name === 'incomingTestAccess')!.data as TestAccessRequestV1;
      expect(request.mailboxAddress).toBe('carol@contoso.test');
      expect(request.endpoint).toMatchObject({ protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none', auth: { type: 'basic', username: 'carol@contoso.test' } });
      expect(openSecret(decodeSecretKey(api.secretKey), request.endpoint.auth.password!)).toBe(MAILBOX_PASSWORD);

      const stored = await call('GET', `/api/v1/mailboxes/${alice.id}`);
      expect(stored.test).toEqual(result);
    });

    it('says so when the outgoing service is not running at all', async () => {
      const result = await call('POST', `/api/v1/mailboxes/${alice.id}/test-access`);
      expect(result.outgoing.status).toBe('failure');
      expect(result.outgoing.message).toMatch(/^the outgoing service did not answer within 1 s/);
      expect(result.incoming.message).toMatch(/^the incoming service did not answer within 1 s/);
    });

    it('reports missing credentials and a missing profile without asking anyone', async () => {
      const bare = await call('POST', '/api/v1/deployments', { name: 'no outgoing', incomingProfileId: deployment.incomingProfileId }, 201);
      const nopw = await call('POST', '/api/v1/mailboxes', { deploymentId: bare.id, kind: 'queue', address: 'q@contoso.test' }, 201);
      await responder.answer('incomingTestAccess', () => ({ response: { status: 'success', message: 'should not be asked' } }));
      const before = responder.requests.length;
      const result = await call('POST', `/api/v1/mailboxes/${nopw.id}/test-access`);
      expect(result.incoming).toMatchObject({ status: 'failure', message: expect.stringContaining('has no password') });
      expect(result.outgoing).toMatchObject({ status: 'not-run', message: expect.stringContaining('no outgoing profile') });
      expect(responder.requests.length).toBe(before);
    });

    it("shows the incoming service's status of a mailbox, 503 when it does not answer", async () => {
      await responder.ignore('incomingMailboxStatus');
      const silent = await api.call<Json>('GET', `/api/v1/mailboxes/${alice.id}/status`);
      expect(silent.status).toBe(503);
      expect(silent.body.message).toMatch(/incoming service did not answer within 1 s/);
      const status: MailboxStatusReplyV1 = {
        mailboxId: alice.id, active: true, configVersion: 3, consecutiveFailures: 0,
        messages: { seen: 5, tracked: 3, ignored: 2, quarantined: 0, awaitingVerdict: 0 },
      };
      await responder.stopAll();
      await responder.answer('incomingMailboxStatus', () => ({ response: status }));
      const shown = await call('GET', `/api/v1/mailboxes/${alice.id}/status`);
      expect(shown).toEqual({ mailboxId: alice.id, test: expect.objectContaining({ incoming: expect.objectContaining({ status: expect.any(String) }) }), incoming: status });
      expect(responder.requests.at(-1)).toEqual({ name: 'incomingMailboxStatus', data: { mailboxId: alice.id } });
      expect((await api.call('GET', '/api/v1/mailboxes/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f/status')).status).toBe(404);
    });
  });
});
