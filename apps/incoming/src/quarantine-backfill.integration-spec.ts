import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { MailEndpointV1, PublishedMailboxV1, RpcName, RpcRequest } from '@mailrouter/contracts';
import { ConfigStore, natsMicroserviceOptions, RpcClient } from '@mailrouter/messaging';
import { migrateDatabase, sealSecret } from '@mailrouter/platform';
import {
  appendToInbox, buildMime, createMailUser, createTestDatabase, deleteNatsPrefix, listInbox, MailUser, TEST_DOVECOT, TEST_NATS_URL,
  TestDatabase, testNatsPrefix, uniqueName, waitFor,
} from '@mailrouter/testing';
// The real crm-sync (built-in CRM) in-process: the activities are what this spec is about. Test-only, like tracking-world.testing.ts.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { CrmSyncUnderTest, startCrmSync } from '../../crm-sync/src/testing/crm-sync.harness';
import { dataSourceOptions } from './data-source';

/**
 * Quarantine re-process and backfill through the real incoming (in-process) and crm-sync (the
 * built-in CRM), over PostgreSQL, NATS JetStream and Dovecot. The app module and data source get
 * the quarantine/backfill entities, migration, controller and providers here as the lead registers them.
 */
describe('quarantine re-process and mailbox backfill (incoming + crm-sync, real services)', () => {
  const key = randomBytes(32);
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let incoming: INestApplication;
  let crm: CrmSyncUnderTest;
  let version = 0;
  const mailboxes = new Map<string, PublishedMailboxV1>();

  const endpoint = (user: MailUser): MailEndpointV1 => ({
    profileId: 'profile-1', protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none',
    auth: { type: 'basic', username: user.username, password: sealSecret(key, user.password) },
    allowInvalidCertificates: false, maxConnections: 2,
  });
  async function publish(...changed: PublishedMailboxV1[]): Promise<void> {
    for (const m of changed) mailboxes.set(m.id, m);
    const configs = crm.app.get(ConfigStore);
    const v = ++version;
    await configs.write({
      schema: 'mailrouter.config.v1', version: v, publishedAt: new Date().toISOString(),
      deployments: [{ id: 'd1', name: 'd1', crm: { type: 'builtin' } }], mailboxes: [...mailboxes.values()],
    });
    await waitFor(`configuration ${v} running`, () => configs.current()?.version === v);
  }
  const rpc = <R extends RpcName>(name: R, req: RpcRequest<R>, timeoutMs = 30_000) => crm.app.get(RpcClient).request(name, req, timeoutMs);
  const trail = async (receivedId: string) => {
    const res = await crm.api('GET', `/crm/v1/received/${encodeURIComponent(receivedId)}`);
    return res.status === 200 ? res.body as { outcome: string; reason: string; activityId?: string } : undefined;
  };
  const activities = async (ownerId: string, subject: string) =>
    ((await crm.api('GET', `/crm/v1/emails?ownerId=${ownerId}&direction=incoming`)).body as { subject: string }[]).filter((e) => e.subject === subject);
  async function polls(mailboxId: string, n = 2): Promise<void> {
    for (let i = 0; i < n; i++) {
      const before = (await rpc('incomingMailboxStatus', { mailboxId })).lastSuccessAt;
      await waitFor(`another poll of ${mailboxId}`, async () => (await rpc('incomingMailboxStatus', { mailboxId })).lastSuccessAt !== before);
    }
  }
  async function crmUser(fullName: string, email: string): Promise<string> {
    const res = await crm.api('POST', '/crm/v1/users', { fullName, email });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_SECRET_KEY: key.toString('hex'), POLL_TICK_MS: '200',
      CONSUMER_BACKOFF_INITIAL_MS: '100', CONSUMER_BACKOFF_MAX_MS: '500',
    });
    crm = await startCrmSync({});
    await migrateDatabase(dataSourceOptions());
    // Imported only now: the controllers' subjects are read from NATS_PREFIX when they are declared.
    const { AppModule } = await import('./app.module');
    incoming = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication({ logger: ['error', 'warn'] });
    incoming.connectMicroservice(natsMicroserviceOptions('incoming', { url: TEST_NATS_URL, prefix, clientName: 'incoming-qb-spec' }), { inheritAppConfig: true });
    await incoming.startAllMicroservices();
    await incoming.init();
    await crm.api('POST', '/crm/v1/contacts', { fullName: 'Bob Buyer', email: 'bob@acme.test' });
  }, 60_000);

  afterAll(async () => {
    await incoming?.close();
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('a quarantined message re-processed after the fix becomes one activity; re-processing it again makes no second', async () => {
    const alice = await crmUser('Alice Archer', 'alice@ours.test');
    const user = createMailUser('qa');
    // The cause: the mailbox was published as a forward mailbox, so alice's plain mail carries no forwarded message.
    const mbx: PublishedMailboxV1 = {
      id: uniqueName('mbx-q'), deploymentId: 'd1', kind: 'forward', address: 'alice@ours.test', enabled: true,
      deleteAfterProcessing: false, pollIntervalSeconds: 1, incoming: endpoint(user),
    };
    const subject = uniqueName('Quote');
    const messageId = `<${uniqueName('q')}@acme.test>`;
    await appendToInbox(user, await buildMime({ from: 'Bob <bob@acme.test>', to: 'alice@ours.test', subject, text: 'hello', messageId }));
    await publish(mbx);
    const listed = await waitFor('the message in the quarantine list', async () =>
      (await rpc('incomingQuarantineList', { mailboxId: mbx.id, limit: 10 })).messages[0]);
    expect(listed).toMatchObject({ mailboxId: mbx.id, reason: 'forward-without-message', subject, reprocessable: true });
    expect(listed.messageId).toBe(messageId);
    expect((await listInbox(user))[0].flags.has('\\Seen')).toBe(false); // quarantined: left untouched on the server

    // The fix: the mailbox is alice's own. Re-process: a new received id, decided afresh → tracked.
    await publish({ ...mbx, kind: 'user' });
    const first = await rpc('incomingQuarantineAction', { receivedId: listed.receivedId, action: 'reprocess' });
    expect(first).toMatchObject({ status: 'reprocessed', newReceivedId: `${listed.receivedId}#r1` });
    const tracked = await waitFor('the re-processed message decided', () => trail(first.newReceivedId!));
    expect(tracked.outcome).toBe('tracked');
    expect(await activities(alice, subject)).toHaveLength(1);
    expect((await rpc('incomingQuarantineList', { mailboxId: mbx.id, limit: 10 })).messages).toEqual([]);
    await waitFor('the tracked message marked seen on the server', async () => (await listInbox(user))[0].flags.has('\\Seen'));

    // Again: #r2, and the CRM's Message-ID duplicate check keeps it to one activity.
    const second = await rpc('incomingQuarantineAction', { receivedId: listed.receivedId, action: 'reprocess' });
    expect(second).toMatchObject({ status: 'reprocessed', newReceivedId: `${listed.receivedId}#r2` });
    const again = await waitFor('the second re-process decided', () => trail(second.newReceivedId!));
    expect(again).toMatchObject({ outcome: 'ignored', reason: 'duplicate' });
    expect(await activities(alice, subject)).toHaveLength(1);

    // Not quarantined, unknown: said so.
    expect(await rpc('incomingQuarantineAction', { receivedId: first.newReceivedId!, action: 'discard' })).toMatchObject({ status: 'not-quarantined' });
    expect(await rpc('incomingQuarantineAction', { receivedId: 'nope:imap:1:1', action: 'reprocess' })).toMatchObject({ status: 'not-found' });
  }, 90_000);

  it('discard takes a quarantined message off the list and keeps it for the trace', async () => {
    const user = createMailUser('qd');
    const mbx: PublishedMailboxV1 = {
      id: uniqueName('mbx-d'), deploymentId: 'd1', kind: 'forward', address: 'fwd@ours.test', enabled: true,
      deleteAfterProcessing: false, pollIntervalSeconds: 1, incoming: endpoint(user),
    };
    await appendToInbox(user, await buildMime({ from: 'bob@acme.test', to: 'fwd@ours.test', subject: 'spam', text: 'x' }));
    await publish(mbx);
    const listed = await waitFor('quarantined', async () => (await rpc('incomingQuarantineList', { mailboxId: mbx.id, limit: 10 })).messages[0]);
    expect(await rpc('incomingQuarantineAction', { receivedId: listed.receivedId, action: 'discard' })).toMatchObject({ status: 'discarded' });
    expect((await rpc('incomingQuarantineList', { mailboxId: mbx.id, limit: 10 })).messages).toEqual([]);
    const traced = await rpc('incomingTrace', { receivedIds: [listed.receivedId], limit: 10 });
    expect(traced.messages[0]).toMatchObject({ outcome: 'quarantined', state: 'settled' });
    expect(traced.messages[0].settleError).toMatch(/^discarded by an administrator at /);
  }, 60_000);

  it('backfill tracks mail that was \\Seen before the router saw it; a second backfill makes no duplicates', async () => {
    const carol = await crmUser('Carol Cole', 'carol@ours.test');
    const user = createMailUser('qb');
    const subjects = [uniqueName('Old one'), uniqueName('Old two')];
    for (const subject of subjects) {
      await appendToInbox(user, await buildMime({ from: 'bob@acme.test', to: 'carol@ours.test', subject, text: 'read elsewhere', messageId: `<${uniqueName('b')}@acme.test>` }), ['\\Seen']);
    }
    const mbx: PublishedMailboxV1 = {
      id: uniqueName('mbx-b'), deploymentId: 'd1', kind: 'user', address: 'carol@ours.test', enabled: true,
      deleteAfterProcessing: false, pollIntervalSeconds: 1, incoming: endpoint(user),
    };
    await publish(mbx);
    await polls(mbx.id);
    for (const s of subjects) expect(await activities(carol, s)).toHaveLength(0); // seen mail: not taken by a normal poll

    const since = new Date(Date.now() - 86_400_000).toISOString();
    const started = Date.now();
    const done = await rpc('incomingBackfill', { mailboxId: mbx.id, since, waitSeconds: 20 });
    expect(done).toMatchObject({ status: 'done', found: 2, fresh: 2 });
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const s of subjects) await waitFor(`${s} tracked`, async () => (await activities(carol, s)).length === 1);

    const second = await rpc('incomingBackfill', { mailboxId: mbx.id, since, waitSeconds: 20 });
    expect(second).toMatchObject({ status: 'done', found: 2, fresh: 0 });
    await polls(mbx.id);
    for (const s of subjects) expect(await activities(carol, s)).toHaveLength(1);

    // A date after the messages: none found.
    const future = await rpc('incomingBackfill', { mailboxId: mbx.id, since: new Date(Date.now() + 2 * 86_400_000).toISOString(), waitSeconds: 20 });
    expect(future).toMatchObject({ status: 'done', found: 0, fresh: 0 });
    expect(await rpc('incomingBackfill', { mailboxId: 'not-published', since, waitSeconds: 0 })).toMatchObject({ status: 'not-served' });
  }, 90_000);
});
