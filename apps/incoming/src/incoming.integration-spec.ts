import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { MailEndpointV1, MailReceivedV1, MailVerdictV1, PublishedConfigInputV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import { streamName } from '@mailrouter/contracts';
import {
  ConfigStore, EventConsumers, EventPublisher, MessagingModule, natsMicroserviceOptions, NATS_CONNECTION, RawMailStore, RpcClient,
} from '@mailrouter/messaging';
import { migrateDatabase, sealSecret } from '@mailrouter/platform';
import {
  appendToInbox, buildMime, createMailUser, createTestDatabase, deleteNatsPrefix, imapClient, listInbox, MailUser,
  tcpProxy, TEST_DOVECOT, TEST_NATS_URL, TestDatabase, testNatsPrefix, waitFor,
} from '@mailrouter/testing';
import type { NatsConnection } from 'nats';
import { dataSourceOptions } from './data-source';
import { IdleWatchers } from './idle-watchers.service';
import { ReceivedMessageRepository } from './received-message.repository';



async function uidValidity(user: MailUser): Promise<number> {
  const c = imapClient(user);
  await c.connect();
  try {
    return Number((await c.mailboxOpen('INBOX')).uidValidity);
  } finally {
    await c.logout();
  }
}

describe('incoming service (in-process, real PostgreSQL, NATS JetStream and Dovecot)', () => {
  const key = randomBytes(32);
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let app: INestApplication;
  let crm: INestApplication;
  let baseUrl: string;
  const received: MailReceivedV1[] = [];
  let version = 0;
  const mailboxes = new Map<string, PublishedMailboxV1>();

  const endpoint = (protocol: 'imap' | 'pop3', user: MailUser, password = user.password): MailEndpointV1 => ({
    profileId: 'profile-1', protocol, host: TEST_DOVECOT.host,
    port: protocol === 'imap' ? TEST_DOVECOT.imapPort : TEST_DOVECOT.pop3Port, security: 'none',
    auth: { type: 'basic', username: user.username, password: sealSecret(key, password) },
    allowInvalidCertificates: false, maxConnections: 2,
  });
  const mailbox = (id: string, incoming: MailEndpointV1, deleteAfterProcessing = false): PublishedMailboxV1 => ({
    id, deploymentId: 'dep-1', kind: 'user', address: `${id}@example.test`, enabled: true, deleteAfterProcessing,
    pollIntervalSeconds: 1, incoming,
  });
  async function publishConfig(): Promise<void> {
    const cfg: PublishedConfigInputV1 = {
      schema: 'mailrouter.config.v1', version: ++version, publishedAt: new Date().toISOString(),
      deployments: [{ id: 'dep-1', name: 'Test', crm: { type: 'builtin' } }], mailboxes: [...mailboxes.values()],
    };
    await crm.get(ConfigStore).write(cfg);
  }
  async function verdict(receivedId: string, outcome: MailVerdictV1['outcome']): Promise<void> {
    const v: MailVerdictV1 = {
      receivedId, mailboxId: receivedId.split(':')[0], outcome, reason: outcome === 'tracked' ? 'accept-all' : 'no-correlation-match',
      reasonText: outcome, decidedAt: new Date().toISOString(),
    };
    await crm.get(EventPublisher).publish('mailVerdict', v, `verdict:${receivedId}`);
  }
  const status = (mailboxId: string) => crm.get(RpcClient).request('incomingMailboxStatus', { mailboxId }, 10_000);
  const receivedFor = (mailboxId: string) => received.filter((r) => r.mailbox.id === mailboxId);
  const idOf = async (mailboxId: string, raw: Buffer) => {
    const raws = crm.get(RawMailStore);
    for (const r of receivedFor(mailboxId)) {
      const stored = await raws.get(r.raw.key);
      if (stored && Buffer.from(stored).equals(raw)) return r.receivedId;
    }
    throw new Error('not received');
  };
  /** Waits until the mailbox has been polled successfully `n` more times. */
  async function polls(mailboxId: string, n = 2): Promise<void> {
    for (let i = 0; i < n; i++) {
      const before = (await status(mailboxId)).lastSuccessAt;
      await waitFor(`another successful poll of ${mailboxId}`, async () => (await status(mailboxId)).lastSuccessAt !== before);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_SECRET_KEY: key.toString('hex'), POLL_TICK_MS: '200',
      // Small batches and polls, so that every test here goes through several FETCH batches.
      FETCH_BATCH_MESSAGES: '2', MAX_MESSAGES_PER_POLL: '5',
    });
    await migrateDatabase(dataSourceOptions());
    // Imported only now: the module reads NATS_PREFIX and DATABASE_URL when it is declared.
    const { AppModule } = await import('./app.module');
    app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication();
    app.connectMicroservice(natsMicroserviceOptions('incoming', { url: TEST_NATS_URL, prefix, clientName: 'incoming-spec' }), { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();

    // crm-sync's side, as it would be: consume mailReceived, publish verdicts, publish config.
    crm = (await Test.createTestingModule({
      imports: [MessagingModule.forRoot('crm-spec', { url: TEST_NATS_URL, prefix, clientName: 'crm-spec' })],
    }).compile()).createNestApplication();
    await crm.init();
    await crm.get(EventConsumers).start({
      event: 'mailReceived', durable: 'spec-crm-received',
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

  let imapUser: MailUser;
  const imapRaws: Buffer[] = [];

  it('publishes each IMAP message once with its raw bytes, settles verdicts on the server, publishes nothing twice', async () => {
    imapUser = await createMailUser('inimap');
    for (const subject of ['tracked one', 'ignored one', 'quarantined one']) {
      const raw = await buildMime({ from: 'customer@example.test', to: imapUser.address, subject, text: `${subject}\r\n.dot line` });
      imapRaws.push(raw);
      await appendToInbox(imapUser, raw);
    }
    const bad = await createMailUser('inbad');
    mailboxes.set('mbx-imap', mailbox('mbx-imap', endpoint('imap', imapUser)));
    mailboxes.set('mbx-bad', mailbox('mbx-bad', endpoint('imap', bad, 'wrong-password')));
    await publishConfig();

    await waitFor('3 mailReceived', () => receivedFor('mbx-imap').length >= 3);
    const raws = crm.get(RawMailStore);
    const ids = [];
    for (const raw of imapRaws) ids.push(await idOf('mbx-imap', raw));
    expect(new Set(ids).size).toBe(3);
    const uidv = await uidValidity(imapUser);
    for (const r of receivedFor('mbx-imap')) {
      expect(r.receivedId).toMatch(new RegExp(`^mbx-imap:imap:${uidv}:\\d+$`));
      expect(r).toMatchObject({ deploymentId: 'dep-1', configVersion: 1, protocol: 'imap', mailbox: { id: 'mbx-imap', kind: 'user' } });
      expect(Buffer.from((await raws.get(r.raw.key))!).length).toBe(r.raw.size);
    }
    // Nothing was marked seen before a verdict.
    expect((await listInbox(imapUser)).every((m) => !m.flags.has('\\Seen'))).toBe(true);

    await verdict(ids[0], 'tracked');
    await verdict(ids[1], 'ignored');
    await verdict(ids[2], 'quarantined');
    await waitFor('verdicts settled', async () => (await status('mbx-imap')).messages.awaitingVerdict === 0 && (await listInbox(imapUser)).filter((m) => m.flags.has('\\Seen')).length === 2);
    // tracked and ignored are marked seen; quarantined stays unseen.
    expect((await listInbox(imapUser)).map((m) => m.flags.has('\\Seen'))).toEqual([true, true, false]);

    await polls('mbx-imap');
    expect(receivedFor('mbx-imap')).toHaveLength(3);

    const fourth = await buildMime({ from: 'customer@example.test', to: imapUser.address, subject: 'later one', text: 'later' });
    imapRaws.push(fourth);
    await appendToInbox(imapUser, fourth);
    await waitFor('the fourth message', () => receivedFor('mbx-imap').length === 4);
    await polls('mbx-imap');
    expect(receivedFor('mbx-imap')).toHaveLength(4);

    expect(await status('mbx-imap')).toMatchObject({
      mailboxId: 'mbx-imap', active: true, configVersion: 1, consecutiveFailures: 0,
      messages: { seen: 4, tracked: 1, ignored: 1, quarantined: 1, awaitingVerdict: 1 },
    });
  });

  it('records a failing mailbox\'s error and backs off, while the others are served', async () => {
    const bad = await waitFor('a failed poll', async () => {
      const s = await status('mbx-bad');
      return s.consecutiveFailures >= 1 ? s : undefined;
    });
    expect(bad.lastError).toContain('Authentication failed');
    expect(bad.active).toBe(true);
    expect(new Date(bad.nextPollAt!).getTime()).toBeGreaterThan(Date.now() + 5_000);
    expect(receivedFor('mbx-bad')).toHaveLength(0);
  });

  it('after a UIDVALIDITY change (the mailbox moved to a new server account), republishes nothing already received', async () => {
    const moved = await createMailUser('inmoved');
    // The migration copied every message, flags lost; one new message arrived since.
    for (const raw of imapRaws) await appendToInbox(moved, raw);
    const newer = await buildMime({ from: 'customer@example.test', to: moved.address, subject: 'after the move', text: 'new' });
    await appendToInbox(moved, newer);
    expect(await uidValidity(moved)).not.toBe(await uidValidity(imapUser));

    mailboxes.set('mbx-imap', mailbox('mbx-imap', endpoint('imap', moved)));
    await publishConfig();
    await waitFor('the new message', () => receivedFor('mbx-imap').length >= 5);
    await polls('mbx-imap');
    expect(receivedFor('mbx-imap')).toHaveLength(5);
    const last = receivedFor('mbx-imap')[4];
    expect(last.receivedId).toMatch(new RegExp(`^mbx-imap:imap:${await uidValidity(moved)}:5$`));
    expect(last.configVersion).toBe(2);

    // The fourth message's verdict arrives now: it is settled at its new place.
    await verdict(await idOf('mbx-imap', imapRaws[3]), 'tracked');
    await waitFor('the moved message marked seen', async () => (await listInbox(moved)).find((m) => m.uid === 4)?.flags.has('\\Seen'));
    const flags = (await listInbox(moved)).map((m) => m.flags.has('\\Seen'));
    expect(flags).toEqual([false, false, false, true, false]);
  });

  it('POP3: publishes each message once and deletes it after its verdict when deleteAfterProcessing', async () => {
    const user = await createMailUser('inpop');
    const raws = [
      await buildMime({ from: 'a@example.test', to: user.address, subject: 'pop one', text: '..two dots\r\n.' }),
      await buildMime({ from: 'b@example.test', to: user.address, subject: 'pop two', text: 'two' }),
    ];
    for (const raw of raws) await appendToInbox(user, raw);
    mailboxes.set('mbx-pop', mailbox('mbx-pop', endpoint('pop3', user), true));
    await publishConfig();

    await waitFor('2 POP3 messages', () => receivedFor('mbx-pop').length >= 2);
    const ids = [await idOf('mbx-pop', raws[0]), await idOf('mbx-pop', raws[1])];
    expect(ids.every((id) => /^mbx-pop:pop3:.+/.test(id))).toBe(true);
    await polls('mbx-pop');
    expect(receivedFor('mbx-pop')).toHaveLength(2);
    expect(await listInbox(user)).toHaveLength(2);

    await verdict(ids[0], 'tracked');
    await waitFor('the tracked message deleted', async () => (await listInbox(user)).length === 1);
    await polls('mbx-pop');
    expect(await listInbox(user)).toHaveLength(1);
    await verdict(ids[1], 'ignored');
    await waitFor('the ignored message deleted', async () => (await listInbox(user)).length === 0);
    expect((await status('mbx-pop')).messages).toEqual({ seen: 2, tracked: 1, ignored: 1, quarantined: 0, awaitingVerdict: 0 });
    expect(receivedFor('mbx-pop')).toHaveLength(2);
  });

  it('takes more messages than one batch and one poll hold: each published once with its bytes, all settled on the server', async () => {
    const user = await createMailUser('inmany');
    const raws: Buffer[] = [];
    for (let i = 0; i < 11; i++) {
      const raw = await buildMime({ from: 'customer@example.test', to: user.address, subject: `many ${i}`, text: `message ${i}` });
      raws.push(raw);
      await appendToInbox(user, raw);
    }
    mailboxes.set('mbx-many', mailbox('mbx-many', endpoint('imap', user)));
    await publishConfig();
    await waitFor('11 mailReceived', () => receivedFor('mbx-many').length >= 11);
    const ids = [];
    for (const raw of raws) ids.push(await idOf('mbx-many', raw));
    expect(new Set(ids).size).toBe(11);
    for (const id of ids) await verdict(id, 'tracked');
    await waitFor('all 11 marked seen', async () => (await listInbox(user)).every((m) => m.flags.has('\\Seen')));
    await waitFor('all 11 settled', async () => (await status('mbx-many')).messages.awaitingVerdict === 0);
    await polls('mbx-many');
    expect(receivedFor('mbx-many')).toHaveLength(11);
    expect((await status('mbx-many')).messages).toEqual({ seen: 11, tracked: 11, ignored: 0, quarantined: 0, awaitingVerdict: 0 });
    const settled = await app.get(dataSourceToken()).query(
      `SELECT count(*)::int AS n FROM incoming.received_message WHERE mailbox_id = 'mbx-many' AND state = 'settled' AND publish_count = 1`,
    );
    expect(settled[0].n).toBe(11);
    mailboxes.delete('mbx-many');
    await publishConfig();
  });

  it('publishes a message recorded but never acknowledged (a crash between insert and publish) on the next poll', async () => {
    const receivedId = 'mbx-imap:imap:1:999';
    const raw = await buildMime({ from: 'x@example.test', to: 'y@example.test', subject: 'crashed before publish', text: 'x' });
    const stored = await crm.get(RawMailStore).put(receivedId, raw);
    await app.get(dataSourceToken()).query(
      `INSERT INTO incoming.received_message (received_id, mailbox_id, protocol, uidvalidity, uid, raw_key, size, sha256, state)
       VALUES ($1, 'mbx-imap', 'imap', 1, 999, $1, $2, $3, 'published')`,
      [receivedId, stored.size, stored.sha256],
    );
    await waitFor('the outbox row published', () => received.some((r) => r.receivedId === receivedId));
    await polls('mbx-imap');
    expect(received.filter((r) => r.receivedId === receivedId)).toHaveLength(1);
    expect(received.find((r) => r.receivedId === receivedId)!.raw).toMatchObject({ key: receivedId, size: raw.length, sha256: stored.sha256 });
  });

  it('stops serving a mailbox removed from the configuration', async () => {
    mailboxes.delete('mbx-pop');
    await publishConfig();
    await waitFor('mbx-pop inactive', async () => !(await status('mbx-pop')).active);
    expect((await status('mbx-imap')).configVersion).toBe(version);
  });

  it('with IMAP IDLE, publishes a new message without waiting for the poll interval', async () => {
    const user = await createMailUser('inidle');
    const slow = { ...mailbox('mbx-idle', { ...endpoint('imap', user), maxConnections: 4 }), pollIntervalSeconds: 60 };
    mailboxes.set('mbx-idle', slow);
    await publishConfig();
    // The first poll (configuration change) has run and the IDLE connection is up.
    await waitFor('the first poll', async () => !!(await status('mbx-idle')).lastSuccessAt);
    await waitFor('IDLE on mbx-idle', () => app.get(IdleWatchers).idling().includes('mbx-idle'));
    await new Promise((r) => setTimeout(r, 500));
    const nextPoll = new Date((await status('mbx-idle')).nextPollAt!).getTime();
    expect(nextPoll).toBeGreaterThan(Date.now() + 30_000);

    const raw = await buildMime({ from: 'customer@example.test', to: user.address, subject: 'arrives while idling', text: 'now' });
    await appendToInbox(user, raw);
    await waitFor('the message published through IDLE', () => receivedFor('mbx-idle').length === 1, 15_000, 50);
    expect(Date.now()).toBeLessThan(nextPoll);
    expect(await idOf('mbx-idle', raw)).toMatch(/^mbx-idle:imap:\d+:1$/);
    mailboxes.delete('mbx-idle');
    await publishConfig();
    await waitFor('IDLE stopped for a removed mailbox', () => !app.get(IdleWatchers).idling().includes('mbx-idle'));
  });

  it('re-opens a dropped IDLE connection and keeps publishing through it', async () => {
    const user = await createMailUser('inidledrop');
    const proxy = await tcpProxy(TEST_DOVECOT.host, TEST_DOVECOT.imapPort);
    const watchers = app.get(IdleWatchers);
    try {
      mailboxes.set('mbx-drop', { ...mailbox('mbx-drop', { ...endpoint('imap', user), port: proxy.port, maxConnections: 4 }), pollIntervalSeconds: 60 });
      await publishConfig();
      await waitFor('IDLE on mbx-drop', () => watchers.idling().includes('mbx-drop'));
      const opened = watchers.opened('mbx-drop');

      proxy.dropAll();
      await waitFor('IDLE re-opened', () => watchers.opened('mbx-drop') > opened && watchers.idling().includes('mbx-drop'));
      // The catch-up poll of the re-opened watch has run; the next scheduled poll is a minute away.
      const reopenedAt = Date.now();
      await waitFor('a poll after the re-open', async () => new Date((await status('mbx-drop')).lastSuccessAt ?? 0).getTime() >= reopenedAt - 1000);
      const nextPoll = new Date((await status('mbx-drop')).nextPollAt!).getTime();
      expect(nextPoll).toBeGreaterThan(Date.now() + 30_000);

      await appendToInbox(user, await buildMime({ from: 'customer@example.test', to: user.address, subject: 'after the drop', text: 'x' }));
      await waitFor('the message published through the re-opened IDLE', () => receivedFor('mbx-drop').length === 1, 15_000, 50);
      expect(Date.now()).toBeLessThan(nextPoll);
    } finally {
      mailboxes.delete('mbx-drop');
      await publishConfig();
      await proxy.close();
    }
  });

  it('acknowledges a verdict for an unknown message without quarantining it', async () => {
    await verdict('nobody:imap:1:1', 'tracked');
    const nc = app.get<NatsConnection>(NATS_CONNECTION);
    const jsm = await nc.jetstreamManager();
    await waitFor('verdicts consumed', async () => {
      const info = await jsm.consumers.info(streamName(prefix, 'INBOUND'), 'incoming-verdicts');
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.consumer_seq >= 7;
    });
    const [{ n }] = await app.get(dataSourceToken()).query('SELECT count(*)::int AS n FROM incoming.quarantined_event');
    expect(n).toBe(0);
  });

  it('writes verdicts that arrive together in one statement: new ones recorded, repeated and unknown ones told apart', async () => {
    const repo = app.get(ReceivedMessageRepository);
    const ds = app.get(dataSourceToken());
    const row = (id: string) => ({
      receivedId: id, mailboxId: 'mbx-batch', protocol: 'imap' as const, uidvalidity: 1, uid: Number(id.split(':').pop()), uidl: null,
      rawKey: id, size: 10, sha256: null, state: 'published' as const,
    });
    await repo.insertMany([row('mbx-batch:imap:1:1'), row('mbx-batch:imap:1:2')]);
    const v = (receivedId: string, outcome: MailVerdictV1['outcome'], activityId?: string): MailVerdictV1 => ({
      receivedId, mailboxId: 'mbx-batch', outcome, reason: outcome === 'tracked' ? 'accept-all' as const : 'owner-not-found' as const,
      reasonText: `${outcome} in a batch`, ...(activityId ? { activityId } : {}), decidedAt: new Date().toISOString(),
    });
    const first = await repo.recordVerdicts([v('mbx-batch:imap:1:1', 'tracked', 'act-1'), v('mbx-batch:imap:1:2', 'ignored'), v('mbx-batch:imap:9:9', 'tracked')]);
    expect(first).toEqual(['recorded', 'recorded', 'unknown']);
    const again = await repo.recordVerdicts([v('mbx-batch:imap:1:1', 'ignored')]);
    expect(again).toEqual(['already']);
    const rows = await ds.query(`SELECT received_id, state, outcome, activity_id, reason_text FROM incoming.received_message WHERE mailbox_id = 'mbx-batch' ORDER BY received_id`);
    expect(rows).toEqual([
      { received_id: 'mbx-batch:imap:1:1', state: 'verdict', outcome: 'tracked', activity_id: 'act-1', reason_text: 'tracked in a batch' },
      { received_id: 'mbx-batch:imap:1:2', state: 'verdict', outcome: 'ignored', activity_id: null, reason_text: 'ignored in a batch' },
    ]);
  });

  it('answers test access with the server\'s words, and reports the poll loop in readiness', async () => {
    const user = await createMailUser('inaccess');
    const rpc = crm.get(RpcClient);
    const ok = await rpc.request('incomingTestAccess', { mailboxAddress: user.address, endpoint: endpoint('pop3', user) });
    expect(ok).toMatchObject({ status: 'success', testedAt: expect.any(String) });
    const wrong = await rpc.request('incomingTestAccess', { mailboxAddress: user.address, endpoint: endpoint('imap', user, 'nope') });
    expect(wrong).toMatchObject({ status: 'failure', message: expect.stringContaining('Authentication failed') });

    const res = await fetch(`${baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: { pollLoop: { status: 'up' } } });
  });
});

function dataSourceToken() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('typeorm').DataSource;
}
