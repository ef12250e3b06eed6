import type { TestAccessRequestV1 } from '@mailrouter/contracts';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('test access in the background: POST /api/v1/test-access/jobs', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  const mailboxes: Json[] = [];
  let otherDeployment: Json;

  const call = async (method: string, path: string, body?: unknown, expected = 200): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { TEST_ACCESS_TIMEOUT_SECONDS: '2' } });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    const imap = await call('POST', '/api/v1/profiles', { name: 'imap', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none' }, 201);
    const smtp = await call('POST', '/api/v1/profiles', { name: 'smtp', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: 2525, security: 'none', auth: { type: 'none' } }, 201);
    const deployment = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id }, 201);
    otherDeployment = await call('POST', '/api/v1/deployments', { name: 'Fabrikam', incomingProfileId: imap.id, outgoingProfileId: smtp.id }, 201);
    for (let i = 0; i < 9; i++) {
      mailboxes.push(await call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: `user${i}@contoso.test`, password: `pw-${i}-long-enough` }, 201));
    }
    await call('POST', '/api/v1/mailboxes', { deploymentId: otherDeployment.id, kind: 'user', address: 'solo@fabrikam.test', password: 'pw-solo-long' }, 201);
    // incoming: user3's password is refused; every answer takes a moment, so progress is observable.
    await responder.answer('incomingTestAccess', (data) => {
      const req = data as TestAccessRequestV1;
      return req.mailboxAddress === 'user3@contoso.test'
        ? { response: { status: 'failure', message: 'Authentication failed.', testedAt: new Date().toISOString() } }
        : { response: { status: 'success', message: `Opened INBOX as ${req.mailboxAddress}`, testedAt: new Date().toISOString() } };
    });
    await responder.answer('outgoingTestAccess', () => ({ response: { status: 'success', message: 'SMTP accepted the connection', testedAt: new Date().toISOString() } }));
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('tests every mailbox of a deployment in the background, reports progress, keeps the results on the mailboxes', async () => {
    const started = await call('POST', '/api/v1/test-access/jobs', { all: true, deploymentId: mailboxes[0].deploymentId }, 202);
    expect(started).toMatchObject({ state: 'running', total: 9, done: 0 });
    const finished = await waitFor('the job finished', async () => {
      const job = await call('GET', `/api/v1/test-access/jobs/${started.id}`);
      return job.state === 'finished' ? job : undefined;
    }, 30_000, 20);
    expect(finished).toMatchObject({ total: 9, done: 9, failed: 1, pending: [] });
    expect(finished.results).toHaveLength(9);
    expect(finished.results.find((r: Json) => r.address === 'user3@contoso.test').incoming).toMatchObject({ status: 'failure', message: 'Authentication failed.' });
    expect(finished.results.every((r: Json) => r.address.endsWith('@contoso.test'))).toBe(true);
    // each mailbox keeps its result, as after a single test
    const user3 = await call('GET', `/api/v1/mailboxes/${mailboxes[3].id}`);
    expect(JSON.stringify(user3)).toContain('Authentication failed.');
    expect(responder.requests.filter((r) => r.name === 'incomingTestAccess')).toHaveLength(9);
  });

  it('tests a selection, in the order given; unknown ids and a bad body are 400s naming the field; an unknown job is 404', async () => {
    const job = await call('POST', '/api/v1/test-access/jobs', { mailboxIds: [mailboxes[5].id, mailboxes[1].id] }, 202);
    const done = await waitFor('the selection tested', async () => {
      const j = await call('GET', `/api/v1/test-access/jobs/${job.id}`);
      return j.state === 'finished' ? j : undefined;
    }, 30_000);
    expect(done.results.map((r: Json) => r.address).sort()).toEqual(['user1@contoso.test', 'user5@contoso.test']);
    expect(done.failed).toBe(0);

    const unknown = await api.call<Json>('POST', '/api/v1/test-access/jobs', { mailboxIds: [mailboxes[0].id, '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f'] });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('mailboxIds.1');
    const neither = await api.call<Json>('POST', '/api/v1/test-access/jobs', {});
    expect(neither.status).toBe(400);
    expect(JSON.stringify(neither.body)).toContain('mailboxIds');
    expect((await api.call('GET', '/api/v1/test-access/jobs/no-such-job')).status).toBe(404);
  });
});
