import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { MailboxRefV1, MailVerdictV1 } from '@mailrouter/contracts';
import { streamName } from '@mailrouter/contracts';
import { ConfigStore, EventConsumers, EventPublisher, NATS_CONNECTION, RawMailStore } from '@mailrouter/messaging';
import { buildMime, createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, TestMail, uniqueName, waitFor } from '@mailrouter/testing';
import { CrmSyncUnderTest, startCrmSync } from '../testing/crm-sync.harness';

// Real services: allow for a loaded machine (jest's project-level testTimeout does not apply here).

describe('crm-sync incoming flow: received mail → CRM verdict (real PostgreSQL + NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let crm: CrmSyncUnderTest;
  const verdicts: MailVerdictV1[] = [];
  const ids: Record<string, string> = {};

  async function create(kind: string, body: Record<string, unknown>): Promise<string> {
    const res = await crm.api('POST', `/crm/v1/${kind}`, body);
    expect(res.status).toBe(201);
    return res.body.id;
  }

  function mailbox(kind: 'user' | 'queue', crmId: string, address: string): MailboxRefV1 {
    return { id: `mbx-${crmId.slice(0, 8)}`, kind, address, crmId };
  }

  /** Stores the raw MIME and publishes mailReceived, as `incoming` does. */
  async function publishReceived(box: MailboxRefV1, raw: Buffer | null, receivedId = uniqueName(`${box.id}:imap:1:`), msgId = receivedId, store = true) {
    const raws = crm.app.get(RawMailStore);
    const key = `${receivedId}`;
    const stored = raw && store ? await raws.put(key, raw) : { bucket: raws.bucket, key, size: raw?.length ?? 0, sha256: '' };
    await crm.app.get(EventPublisher).publish('mailReceived', {
      receivedId, mailbox: box, deploymentId: 'd1', configVersion: 1, protocol: 'imap', raw: stored, receivedAt: new Date().toISOString(),
    }, msgId);
    return receivedId;
  }

  async function receive(box: MailboxRefV1, mail: TestMail | Buffer | null, receivedId?: string): Promise<MailVerdictV1> {
    const raw = mail === null || Buffer.isBuffer(mail) ? mail : await buildMime(mail);
    const id = await publishReceived(box, raw, receivedId);
    return waitFor(`verdict for ${id}`, () => verdicts.find((v) => v.receivedId === id));
  }

  async function drained(durable: string) {
    const jsm = await crm.app.get<NatsConnection>(NATS_CONNECTION).jetstreamManager();
    await waitFor(`${durable} to be drained`, async () => {
      const info = await jsm.consumers.info(streamName(prefix, 'INBOUND'), durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    crm = await startCrmSync({
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix,
      CONSUMER_BACKOFF_INITIAL_MS: '100', CONSUMER_BACKOFF_MAX_MS: '500',
    });
    await crm.app.get(EventConsumers).start({
      event: 'mailVerdict', durable: 'spec-verdicts',
      handle: async (v) => void verdicts.push(v),
      quarantine: async () => undefined,
    });
    // Deployment d1 (the one the received mail names) stores attachments up to 2000 bytes.
    const configs = crm.app.get(ConfigStore);
    await configs.write({
      schema: 'mailrouter.config.v1', version: 1, publishedAt: new Date().toISOString(), mailboxes: [],
      deployments: [{ id: 'd1', name: 'd1', crm: { type: 'builtin' }, tracking: { maxAttachmentBytes: 2000 } }],
    });
    await waitFor('configuration 1 to be running', () => configs.current()?.version === 1);
    ids.ann = await create('users', { fullName: 'Ann All', email: 'Ann@Ours.test' });
    ids.rita = await create('users', { fullName: 'Rita Responses', email: 'rita@ours.test', incomingTracking: 'responses' });
    ids.carl = await create('users', { fullName: 'Carl Records', email: 'carl@ours.test', incomingTracking: 'crm-records' });
    ids.eve = await create('users', { fullName: 'Eve Enabled', email: 'eve@ours.test', incomingTracking: 'email-enabled' });
    ids.ceo = await create('users', { fullName: 'The CEO', email: 'ceo@ours.test' });
    ids.silent = await create('queues', { name: 'Silent', email: 'silent@ours.test', incomingTracking: 'none' });
    ids.acme = await create('accounts', { name: 'Acme', email: 'info@acme.test' });
    ids.bob = await create('contacts', { fullName: 'Bob Buyer', email: 'bob@acme.test', accountId: ids.acme });
    ids.lena = await create('leads', { fullName: 'Lena Lead', email: 'lena@prospect.test' });
  });

  afterAll(async () => {
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('accept-all: tracks the mail with its parties resolved by address and its attachments (large ones listed, not stored)', async () => {
    const v = await receive(mailbox('user', ids.ann, 'ann@ours.test'), {
      from: 'Bob <BOB@acme.test>', to: ['Ann <ann@ours.test>'], cc: 'stranger@nowhere.test', subject: 'Quote', text: 'Please quote.',
      attachments: [
        { filename: 'small.txt', content: 'tiny file', contentType: 'text/plain' },
        { filename: 'big.bin', content: Buffer.alloc(5000, 7), contentType: 'application/octet-stream' },
      ],
    });
    expect(v).toMatchObject({ outcome: 'tracked', reason: 'accept-all', mailboxId: `mbx-${ids.ann.slice(0, 8)}` });
    const email = (await crm.api('GET', `/crm/v1/emails/${v.activityId}`)).body;
    expect(email).toMatchObject({
      direction: 'incoming', status: 'received', subject: 'Quote', owner: { type: 'user', id: ids.ann }, regarding: null,
      receivedId: v.receivedId,
    });
    expect(email.text.trim()).toBe('Please quote.');
    expect(email.parties).toEqual([
      { role: 'from', address: 'bob@acme.test', name: 'Bob', record: { type: 'contact', id: ids.bob } },
      { role: 'to', address: 'ann@ours.test', name: 'Ann', record: { type: 'user', id: ids.ann } },
      { role: 'cc', address: 'stranger@nowhere.test', name: null, record: null },
    ]);
    expect(email.attachments).toEqual(expect.arrayContaining([
      expect.objectContaining({ filename: 'small.txt', contentType: 'text/plain', size: 9, stored: true }),
      expect.objectContaining({ filename: 'big.bin', size: 5000, stored: false }),
    ]));
    const trail = (await crm.api('GET', `/crm/v1/received/${encodeURIComponent(v.receivedId)}`)).body;
    expect(trail).toMatchObject({ outcome: 'tracked', reason: 'accept-all', activityId: v.activityId, fromAddress: 'bob@acme.test', subject: 'Quote' });
  });

  it('a hostile display name decides nothing: only the address is resolved', async () => {
    const hostile = { from: '"ceo@ours.test" <x@evil.test>', subject: 'Wire the money' };
    const toCarl = await receive(mailbox('user', ids.carl, 'carl@ours.test'), { ...hostile, to: 'carl@ours.test', text: 'now' });
    expect(toCarl).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    // (The display name that looks like an address also makes the sender fail authentication.)
    expect(toCarl.reasonText).toContain('from x@evil.test (unresolved)');
    const toAnn = await receive(mailbox('user', ids.ann, 'ann@ours.test'), { ...hostile, to: 'ann@ours.test', text: 'now' });
    const email = (await crm.api('GET', `/crm/v1/emails/${toAnn.activityId}`)).body;
    expect(email.parties[0]).toEqual({ role: 'from', address: 'x@evil.test', name: 'ceo@ours.test', record: null });
  });

  it('crm-records tracks mail from contacts, accounts and leads only (a CRM user\'s is internal mail)', async () => {
    const box = mailbox('user', ids.carl, 'carl@ours.test');
    const fromLead = await receive(box, { from: 'lena@prospect.test', to: 'carl@ours.test', subject: 'Interested', text: 'x' });
    expect(fromLead).toMatchObject({ outcome: 'tracked', reason: 'sender-match' });
    expect(fromLead.reasonText).toContain('lena@prospect.test is a lead');
    const fromAccount = await receive(box, { from: 'info@acme.test', to: 'carl@ours.test', subject: 'Invoice', text: 'x' });
    expect(fromAccount).toMatchObject({ outcome: 'tracked', reason: 'sender-match' });
    const fromUser = await receive(box, { from: 'ceo@ours.test', to: 'carl@ours.test', subject: 'Lunch', text: 'x' });
    expect(fromUser).toMatchObject({ outcome: 'ignored', reason: 'internal-email-reject' });
  });

  it('email-enabled tracks mail from any record, users and queues included', async () => {
    const box = mailbox('user', ids.eve, 'eve@ours.test');
    expect(await receive(box, { from: 'ceo@ours.test', to: 'eve@ours.test', subject: 'Plan', text: 'x' }))
      .toMatchObject({ outcome: 'tracked', reason: 'sender-match' });
    const stranger = await receive(box, { from: 'who@nowhere.test', to: 'eve@ours.test', subject: 'Hi', text: 'x' });
    expect(stranger).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    expect(stranger.reasonText).toMatch(/^sender who@nowhere.test is not a CRM user, queue, contact, account or lead; /);
  });

  it('responses ignores mail that answers nothing; a queue with option none tracks nothing; an unknown owner is reported', async () => {
    const r = await receive(mailbox('user', ids.rita, 'rita@ours.test'), { from: 'bob@acme.test', to: 'rita@ours.test', subject: 'New topic', text: 'x' });
    expect(r).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    const trail = (await crm.api('GET', `/crm/v1/received?mailboxId=${encodeURIComponent(r.mailboxId)}`)).body;
    expect(trail[0]).toMatchObject({ receivedId: r.receivedId, reason: 'no-correlation-match', activityId: null });
    expect(trail[0].reasonText).toMatch(/only responses/);
    const q = await receive(mailbox('queue', ids.silent, 'silent@ours.test'), { from: 'bob@acme.test', to: 'silent@ours.test', subject: 'Help', text: 'x' });
    expect(q).toMatchObject({ outcome: 'ignored' });
    expect(q.activityId).toBeUndefined();
    const nobody = await receive(mailbox('user', randomUUID(), 'nobody@ours.test'), { from: 'bob@acme.test', to: 'nobody@ours.test', subject: 'Hi', text: 'x' });
    expect(nobody).toMatchObject({ outcome: 'ignored', reason: 'owner-not-found' });
  });

  it('falls back to the mailbox address when the crmId is unknown', async () => {
    const v = await receive({ id: 'mbx-by-address', kind: 'user', address: 'ann@ours.test' }, { from: 'z@z.test', to: 'ann@ours.test', subject: 'By address', text: 'x' });
    expect(v).toMatchObject({ outcome: 'tracked', reason: 'accept-all' });
  });

  it('quarantines what is not a message, or whose raw is gone, with the reason in the trail', async () => {
    const box = mailbox('user', ids.ann, 'ann@ours.test');
    const garbage = await receive(box, Buffer.from('this is not a mail'));
    expect(garbage).toMatchObject({ outcome: 'quarantined', reason: 'unparseable' });
    const missing = await receive(box, null);
    expect(missing).toMatchObject({ outcome: 'quarantined', reason: 'unparseable' });
    expect(missing.reasonText).toMatch(/not in the object store/);
    expect((await crm.api('GET', `/crm/v1/received/${encodeURIComponent(garbage.receivedId)}`)).body).toMatchObject({ outcome: 'quarantined' });
  });

  it('the same message twice (two folders, two UIDs) makes one activity; the second verdict says duplicate', async () => {
    const box = mailbox('user', ids.ann, 'ann@ours.test');
    const mail = { from: 'bob@acme.test', to: 'ann@ours.test', subject: 'Twice', text: 'x', messageId: `<${uniqueName('dup')}@acme.test>` };
    const first = await receive(box, mail);
    const second = await receive(box, mail);
    expect(first).toMatchObject({ outcome: 'tracked' });
    expect(second).toMatchObject({ outcome: 'ignored', reason: 'duplicate', activityId: first.activityId });
    const list = (await crm.api('GET', `/crm/v1/emails?messageId=${encodeURIComponent(mail.messageId)}`)).body;
    expect(list.map((e: { id: string }) => e.id)).toEqual([first.activityId]);
  });

  it('the same receivedId delivered twice gives one verdict and one activity', async () => {
    const box = mailbox('user', ids.ann, 'ann@ours.test');
    const mail = await buildMime({ from: 'bob@acme.test', to: 'ann@ours.test', subject: 'Once', text: 'x', messageId: `<${uniqueName('once')}@acme.test>` });
    const receivedId = uniqueName('mbx-once:imap:9:');
    await publishReceived(box, mail, receivedId, `${receivedId}#a`);
    // incoming published the event again (e.g. after a restart, past the duplicate window)
    await publishReceived(box, mail, receivedId, `${receivedId}#b`, false);
    await waitFor('a verdict', () => verdicts.some((v) => v.receivedId === receivedId));
    await drained('crm-sync-received');
    await drained('spec-verdicts');
    const mine = verdicts.filter((v) => v.receivedId === receivedId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outcome: 'tracked' });
    const list = (await crm.api('GET', `/crm/v1/emails?ownerId=${ids.ann}&direction=incoming`)).body;
    expect(list.filter((e: { receivedId: string }) => e.receivedId === receivedId)).toHaveLength(1);
  });

  it('a reply carrying the tracking token, or answering by In-Reply-To, is correlated with the original\'s regarding', async () => {
    const sent = (await crm.api('POST', '/crm/v1/emails', {
      fromUserId: ids.rita, to: ['bob@acme.test'], subject: 'Offer', text: 'Our offer', send: true, regarding: { type: 'account', id: ids.acme },
    })).body;
    expect(sent.trackingToken).toMatch(/^CRM:0\d{7}$/);
    const box = mailbox('user', ids.rita, 'rita@ours.test');
    const byToken = await receive(box, { from: 'bob@acme.test', to: 'rita@ours.test', subject: `RE: Offer ${sent.trackingToken}`, text: 'ok' });
    expect(byToken).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    const tokenReply = (await crm.api('GET', `/crm/v1/emails/${byToken.activityId}`)).body;
    expect(tokenReply.regarding).toEqual({ type: 'account', id: ids.acme });

    const originalId = `<${uniqueName('orig')}@ours.test>`;
    await crm.app.get(EventPublisher).publish('sendResult', {
      emailId: sent.id, outcome: 'sent', messageId: originalId, deliveryAttempts: 1, possibleDuplicate: false, completedAt: new Date().toISOString(),
    }, `${sent.id}:result`);
    await waitFor('the original to be sent', async () => (await crm.api('GET', `/crm/v1/emails/${sent.id}`)).body.status === 'sent');
    const byHeader = await receive(box, { from: 'bob@acme.test', to: 'rita@ours.test', subject: 'Re: Offer', text: 'yes', inReplyTo: originalId, references: originalId });
    expect(byHeader).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    expect((await crm.api('GET', `/crm/v1/emails/${byHeader.activityId}`)).body.regarding).toEqual({ type: 'account', id: ids.acme });
  });
});
