import { INestApplication, Module, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { MailboxHealthV1, MailEndpointV1, MailReceivedV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import { ConfigStore, EventConsumers, EventPublisher, MessagingModule, natsMicroserviceOptions, RpcClient } from '@mailrouter/messaging';
import { migrateDatabase, sealSecret } from '@mailrouter/platform';
import {
  appendToInbox, buildMime, createMailUser, createTestDatabase, deleteNatsPrefix, MailUser, TEST_DOVECOT, TEST_NATS_URL, TestDatabase,
  testNatsPrefix, waitFor,
} from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';
import { MAILBOX_HEALTH_PROVIDERS } from './mailbox-health.providers';

/** The app module with this feature's providers, whether or not app.module.ts lists them yet. */
function withHealthProviders(appModule: Type<unknown>): Type<unknown> {
  const meta = (key: string): unknown[] => Reflect.getMetadata(key, appModule) ?? [];
  const providers = meta('providers');
  class IncomingWithHealth {}
  Module({
    imports: meta('imports') as never[], controllers: meta('controllers') as Type<unknown>[],
    providers: [...providers, ...MAILBOX_HEALTH_PROVIDERS.filter((p) => !providers.includes(p))] as never[],
  })(IncomingWithHealth);
  return IncomingWithHealth;
}

describe('incoming: a mailbox that keeps failing is disabled, the others go on, re-enabling resumes from the cursor', () => {
  const key = randomBytes(32);
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let app: INestApplication;
  let crm: INestApplication;
  let baseUrl: string;
  let version = 0;
  const received: MailReceivedV1[] = [];
  const mailboxes = new Map<string, PublishedMailboxV1>();
  let good: MailUser;
  let flaky: MailUser;

  const endpoint = (user: MailUser, password: string): MailEndpointV1 => ({
    profileId: 'profile-imap', protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none',
    auth: { type: 'basic', username: user.username, password: sealSecret(key, password) }, allowInvalidCertificates: false, maxConnections: 3,
  });
  const mailbox = (id: string, incoming: MailEndpointV1): PublishedMailboxV1 => ({
    id, deploymentId: 'dep-1', kind: 'user', address: `${id}@example.test`, enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 1, incoming,
  });
  async function publish(): Promise<void> {
    await crm.get(ConfigStore).write({
      schema: 'mailrouter.config.v1', version: ++version, publishedAt: new Date().toISOString(),
      deployments: [{ id: 'dep-1', name: 'Test', crm: { type: 'builtin' } }], mailboxes: [...mailboxes.values()],
    });
  }
  const health = async (id: string): Promise<MailboxHealthV1> => {
    const reply = await crm.get(RpcClient).request('incomingMailboxHealth', {}, 10_000);
    const m = reply.mailboxes.find((x) => x.mailboxId === id);
    if (!m) throw new Error(`${id} not in the health reply`);
    return m;
  };
  const receivedFor = (id: string) => received.filter((r) => r.mailbox.id === id);
  const mail = (user: MailUser, subject: string) => buildMime({ from: 'customer@example.test', to: user.address, subject, text: subject });
  const disabledGauge = async () => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('mailrouter_mailboxes_disabled'));
    return line ? Number(line.split(' ').pop()) : undefined;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_SECRET_KEY: key.toString('hex'), POLL_TICK_MS: '200',
      MAILBOX_DISABLE_AFTER_FAILURES: '3', FAILURE_BACKOFF_INITIAL_SECONDS: '1', FAILURE_BACKOFF_MAX_SECONDS: '1',
    });
    await migrateDatabase(dataSourceOptions());
    const { AppModule } = await import('./app.module');
    app = (await Test.createTestingModule({ imports: [withHealthProviders(AppModule)] }).compile()).createNestApplication({ logger: ['error'] });
    app.connectMicroservice(natsMicroserviceOptions('incoming', { url: TEST_NATS_URL, prefix, clientName: 'incoming-disable-spec' }), { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    crm = (await Test.createTestingModule({
      imports: [MessagingModule.forRoot('crm-spec', { url: TEST_NATS_URL, prefix, clientName: 'crm-disable-spec' })],
    }).compile()).createNestApplication({ logger: ['error'] });
    await crm.init();
    await crm.get(EventConsumers).start({
      event: 'mailReceived', durable: 'spec-disable-received',
      handle: async (r) => void received.push(r),
      quarantine: async (q) => { throw new Error(`unexpected quarantine: ${q.reason}`); },
    });
  });

  afterAll(async () => {
    await app?.close();
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('publishes the mail of both mailboxes while their passwords are right', async () => {
    good = await createMailUser('hgood');
    flaky = await createMailUser('hflaky');
    await appendToInbox(good, await mail(good, 'good one'));
    for (const s of ['flaky one', 'flaky two']) await appendToInbox(flaky, await mail(flaky, s));
    mailboxes.set('mbx-good', mailbox('mbx-good', endpoint(good, good.password)));
    mailboxes.set('mbx-flaky', mailbox('mbx-flaky', endpoint(flaky, flaky.password)));
    await publish();
    await waitFor('both mailboxes\' mail published', () => receivedFor('mbx-good').length >= 1 && receivedFor('mbx-flaky').length >= 2);
    // A verdict for one of them: it is settled (seen) on the server at the next good poll.
    await crm.get(EventPublisher).publish('mailVerdict', {
      receivedId: receivedFor('mbx-flaky')[0].receivedId, mailboxId: 'mbx-flaky', outcome: 'tracked', reason: 'accept-all', reasonText: 'tracked',
      decidedAt: new Date().toISOString(),
    }, `verdict:${receivedFor('mbx-flaky')[0].receivedId}`);
    const h = await waitFor('the verdict recorded', async () => {
      const x = await health('mbx-flaky');
      return x.backlog.awaitingVerdict === 1 ? x : undefined;
    });
    expect(h).toMatchObject({ state: 'ok', consecutiveFailures: 0, profileId: 'profile-imap', backlog: { awaitingVerdict: 1, unpublished: 0 } });
    expect(await disabledGauge()).toBe(0);
  });

  it('disables the mailbox after 3 failed polls in a row with the error as its reason, and stops polling it', async () => {
    mailboxes.set('mbx-flaky', mailbox('mbx-flaky', endpoint(flaky, 'wrong-password')));
    await publish();
    const failing = await waitFor('a failing (not yet disabled) poll', async () => {
      const x = await health('mbx-flaky');
      return x.consecutiveFailures >= 1 && x.consecutiveFailures < 3 ? x : undefined;
    }, 20_000, 50);
    expect(['failing', 'backoff']).toContain(failing.state);
    expect(failing.disabledAt).toBeUndefined();

    const disabled = await waitFor('mbx-flaky disabled', async () => {
      const x = await health('mbx-flaky');
      return x.state === 'disabled' ? x : undefined;
    });
    expect(disabled.consecutiveFailures).toBe(3);
    expect(disabled.disabledReason).toContain('Authentication failed');
    expect(Date.parse(disabled.disabledAt!)).toBeGreaterThan(Date.now() - 20_000);
    expect(disabled.nextPollAt).toBeUndefined();
    const status = await crm.get(RpcClient).request('incomingMailboxStatus', { mailboxId: 'mbx-flaky' }, 10_000);
    expect(status.active).toBe(false);
    expect(await disabledGauge()).toBe(1);

    // Not polled any more: with a 1 s interval and a 1 s backoff, 3 s would have been 2-3 polls.
    await new Promise((r) => setTimeout(r, 3000));
    const later = await health('mbx-flaky');
    expect(later).toMatchObject({ state: 'disabled', consecutiveFailures: 3, lastPollAt: disabled.lastPollAt });
  });

  it('keeps polling and publishing the other mailbox', async () => {
    await appendToInbox(good, await mail(good, 'good two'));
    await waitFor('the good mailbox\'s new mail', () => receivedFor('mbx-good').length >= 2);
    const g = await health('mbx-good');
    expect(g).toMatchObject({ state: 'ok', consecutiveFailures: 0 });
    expect(Date.parse(g.lastSuccessAt!)).toBeGreaterThan(Date.now() - 5_000);
  });

  it('stays disabled through a publish that fixes the password; enabling resumes from the cursor, publishing nothing twice', async () => {
    await appendToInbox(flaky, await mail(flaky, 'flaky three (while disabled)'));
    mailboxes.set('mbx-flaky', mailbox('mbx-flaky', endpoint(flaky, flaky.password)));
    await publish();
    const before = await health('mbx-flaky');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await health('mbx-flaky')).toMatchObject({ state: 'disabled', lastPollAt: before.lastPollAt });
    expect(receivedFor('mbx-flaky')).toHaveLength(2);

    const reply = await crm.get(RpcClient).request('incomingMailboxEnable', { mailboxId: 'mbx-flaky' }, 10_000);
    expect(reply).toMatchObject({ mailboxId: 'mbx-flaky', status: 'enabled' });
    await waitFor('the mail that came while disabled', () => receivedFor('mbx-flaky').length >= 3);
    const after = await waitFor('a good poll after enabling', async () => {
      const x = await health('mbx-flaky');
      return x.state === 'ok' && x.lastSuccessAt && x.lastSuccessAt > before.lastPollAt! ? x : undefined;
    });
    expect(after).toMatchObject({ consecutiveFailures: 0, backlog: { unpublished: 0 } });
    expect(after.disabledAt).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1500));
    const ids = receivedFor('mbx-flaky').map((r) => r.receivedId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(await disabledGauge()).toBe(0);

    const again = await crm.get(RpcClient).request('incomingMailboxEnable', { mailboxId: 'mbx-flaky' }, 10_000);
    expect(again.status).toBe('not-disabled');
    const unknown = await crm.get(RpcClient).request('incomingMailboxEnable', { mailboxId: 'mbx-nope' }, 10_000);
    expect(unknown.status).toBe('not-served');
  });
});
