import { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, NatsConnection } from 'nats';
import type { MailboxHealthV1 } from '@mailrouter/contracts';
import { prefixed, streamName } from '@mailrouter/contracts';
import { ensureDurableConsumer, MessagingModule } from '@mailrouter/messaging';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { ConfigApiModule } from '../app.module';
import { dataSourceOptions } from '../data-source';
import { FakeResponder } from '../testing/config-api.harness';
import { HEALTH_CONTROLLERS, HEALTH_PROVIDERS } from './health.providers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** ConfigApiModule with the health controller and providers, whether or not app.module.ts lists them yet. */
function withHealth(m: DynamicModule): DynamicModule {
  const controllers = m.controllers ?? [];
  const providers = m.providers ?? [];
  return {
    ...m,
    controllers: [...controllers, ...HEALTH_CONTROLLERS.filter((c) => !controllers.includes(c))],
    providers: [...providers, ...HEALTH_PROVIDERS.filter((p) => !providers.includes(p))],
  };
}

describe('config: GET /api/v1/health and POST /api/v1/mailboxes/{id}/enable (HTTP, PostgreSQL, NATS, a fake incoming)', () => {
  const prefix = testNatsPrefix();
  const token = randomBytes(20).toString('hex');
  let db: TestDatabase;
  let app: INestApplication;
  let incomingBeat: INestApplication;
  let nc: NatsConnection;
  let baseUrl: string;
  const fake = new FakeResponder(TEST_NATS_URL, prefix);
  let profile: Json;
  let mailbox: Json;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(baseUrl + path, {
      method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const created = async (path: string, body: unknown): Promise<Json> => {
    const res = await call('POST', path, body);
    if (res.status !== 201) throw new Error(`POST ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const health = (over: Partial<MailboxHealthV1>): MailboxHealthV1 => ({
    mailboxId: mailbox.id, address: mailbox.address, deploymentId: mailbox.deploymentId, profileId: profile.id, configVersion: 4,
    state: 'ok', pollIntervalSeconds: 60, consecutiveFailures: 0, backlog: { awaitingVerdict: 2, unpublished: 1 }, ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_API_TOKEN: token,
      ROUTER_SECRET_KEY: randomBytes(32).toString('base64'), MAILBOX_STATUS_TIMEOUT_SECONDS: '2', TEST_ACCESS_TIMEOUT_SECONDS: '2',
    };
    await migrateDatabase(dataSourceOptions(env));
    const moduleRef = await Test.createTestingModule({
      imports: [withHealth(ConfigApiModule.forEnv(env, { url: TEST_NATS_URL, prefix, clientName: 'config-health-spec' }))],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    // Another service's real heartbeat: a process with MessagingModule for 'incoming'.
    incomingBeat = (await Test.createTestingModule({
      imports: [MessagingModule.forRoot('incoming', { url: TEST_NATS_URL, prefix, clientName: 'incoming-beat-spec' })],
    }).compile()).createNestApplication({ logger: ['error'] });
    await incomingBeat.init();
    nc = await connect({ servers: TEST_NATS_URL });

    profile = await created('/api/v1/profiles', { name: 'Contoso IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 1, security: 'none',
      credentials: 'profile', username: 'router', password: 'profile-Pa55word' });
    const deployment = await created('/api/v1/deployments', { name: 'Contoso', incomingProfileId: profile.id });
    mailbox = await created('/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: 'alice@contoso.test' });
  });

  afterAll(async () => {
    await fake.close();
    await nc?.close();
    await incomingBeat?.close();
    await app?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('answers mailboxes (one request to incoming), replicas from heartbeats, consumer lag and alerts', async () => {
    await ensureDurableConsumer(await nc.jetstreamManager(), prefix, { stream: 'INBOUND', durable: 'crm-sync-received', filterSubject: 'mail.received.v1', ackWaitMs: 30_000 });
    const js = nc.jetstream();
    for (const n of [1, 2, 3]) await js.publish(prefixed(prefix, 'mail.received.v1'), new TextEncoder().encode(`{"n":${n}}`));
    const disabledAt = new Date(Date.now() - 60_000).toISOString();
    await fake.answer('incomingMailboxHealth', () => ({
      response: {
        configVersion: 4, disableAfterFailures: 10,
        mailboxes: [health({ state: 'disabled', consecutiveFailures: 10, lastError: 'Authentication failed.', lastFailureAt: disabledAt, disabledAt, disabledReason: 'Authentication failed.' })],
      },
    }));

    const res = await waitFor('both replicas heard', async () => {
      const r = await call('GET', '/api/v1/health');
      return r.body.services?.find((s: Json) => s.app === 'incoming')?.replicas.length && r.body.services.find((s: Json) => s.app === 'config')?.replicas.length ? r : undefined;
    }, 3_000);
    expect(res.status).toBe(200);
    expect(fake.requests.filter((r) => r.name === 'incomingMailboxHealth')).not.toHaveLength(0);
    expect(res.body.mailboxes).toEqual([expect.objectContaining({
      id: mailbox.id, address: 'alice@contoso.test', deploymentId: mailbox.deploymentId, profile: { id: profile.id, name: 'Contoso IMAP' },
      state: 'disabled', consecutiveFailures: 10, disabledAt, disabledReason: 'Authentication failed.', backlog: { awaitingVerdict: 2, unpublished: 1 },
    })]);
    const incoming = res.body.services.find((s: Json) => s.app === 'incoming');
    expect(incoming.replicas).toEqual([expect.objectContaining({ instance: expect.stringContaining(':'), host: expect.any(String), startedAt: expect.any(String), lastSeenAt: expect.any(String) })]);
    const crm = res.body.services.find((s: Json) => s.app === 'crm-sync');
    expect(crm).toMatchObject({ replicas: [], consumers: [{ stream: streamName(prefix, 'INBOUND'), durable: 'crm-sync-received', pending: 3, ackPending: 0, redelivered: 0 }] });
    expect(res.body.alerts.map((a: Json) => a.kind)).toEqual(['mailbox-disabled', 'profile-failing']);
    expect(res.body.alerts[0]).toMatchObject({ severity: 'critical', mailboxId: mailbox.id, since: disabledAt, message: expect.stringContaining('Authentication failed.') });
    expect(res.body.alerts[1]).toMatchObject({ profileId: profile.id, message: expect.stringContaining('1 of 1 mailboxes of incoming profile "Contoso IMAP"') });
  });

  it('says so in an alert when incoming does not answer, and still lists the services', async () => {
    await fake.stopAll();
    const res = await call('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body.mailboxes).toEqual([]);
    expect(res.body.alerts).toEqual([expect.objectContaining({ kind: 'incoming-unavailable', severity: 'critical', message: expect.stringContaining('did not answer') })]);
    expect(res.body.services.map((s: Json) => s.app)).toEqual(expect.arrayContaining(['config', 'incoming', 'crm-sync']));
  });

  it('enable: 409 with the test\'s own words when incoming access fails, and incoming is not asked', async () => {
    await fake.answer('incomingTestAccess', () => ({ response: { status: 'failure', message: 'NO [AUTHENTICATIONFAILED] Authentication failed.' } }));
    await fake.answer('outgoingTestAccess', () => ({ response: { status: 'success', message: 'ok' } }));
    await fake.answer('incomingMailboxEnable', (data) => ({ response: { mailboxId: (data as Json).mailboxId, status: 'enabled', message: 'enabled again' } }));
    const res = await call('POST', `/api/v1/mailboxes/${mailbox.id}/enable`);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('NO [AUTHENTICATIONFAILED] Authentication failed.');
    expect(res.body.test.incoming).toMatchObject({ status: 'failure' });
    expect(fake.requests.filter((r) => r.name === 'incomingMailboxEnable')).toHaveLength(0);
    // The result is kept on the mailbox, as POST …/test-access keeps it.
    expect((await call('GET', `/api/v1/mailboxes/${mailbox.id}`)).body).toMatchObject({ test: { incoming: { status: 'failure' } } });
    await fake.stopAll();
  });

  it('enable: when the test passes, asks incoming to enable the mailbox and answers what it said', async () => {
    await fake.stopAll();
    await fake.answer('incomingTestAccess', () => ({ response: { status: 'success', message: 'Logged in; INBOX has 3 messages' } }));
    await fake.answer('outgoingTestAccess', () => ({ response: { status: 'not-run', message: 'no outgoing profile' } }));
    await fake.answer('incomingMailboxEnable', (data) => ({ response: { mailboxId: (data as Json).mailboxId, status: 'enabled', message: 'mailbox alice@contoso.test is enabled again and polled now' } }));
    const res = await call('POST', `/api/v1/mailboxes/${mailbox.id}/enable`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mailboxId: mailbox.id, test: { incoming: { status: 'success' } }, incoming: { status: 'enabled' } });
    expect(fake.requests.filter((r) => r.name === 'incomingMailboxEnable').map((r) => r.data)).toEqual([{ mailboxId: mailbox.id }]);
    expect((await call('POST', '/api/v1/mailboxes/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f/enable')).status).toBe(404);
  });
});
