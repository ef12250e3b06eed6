import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import type { MailboxRefV1, MailVerdictV1 } from '@mailrouter/contracts';
import { streamName } from '@mailrouter/contracts';
import { FORWARDED_FOR_HEADER } from '@mailrouter/domain';
import { ConfigStore, EventConsumers, EventPublisher, NATS_CONNECTION, RawMailStore } from '@mailrouter/messaging';
import { forwardRuleToken } from '@mailrouter/platform';
import { deploySieveForwardRule } from '@mailrouter/mail-adapters';
import {
  buildMime, createMailUser, createTestDatabase, deleteNatsPrefix, deliverViaLmtp, fetchInboxRaw, TEST_DOVECOT, TestDatabase, testNatsPrefix,
  TEST_NATS_URL, TestMail, uniqueName, waitFor,
} from '@mailrouter/testing';
import { CrmSyncUnderTest, startCrmSync } from '../testing/crm-sync.harness';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';

/** The forward mailbox: wrappers and Sieve redirects tracked as the forwarding user's mail (real PostgreSQL + NATS). */
describe('crm-sync forward mailbox', () => {
  const prefix = testNatsPrefix();
  const key = randomBytes(32);
  const forward: MailboxRefV1 = { id: 'mbx-forward', kind: 'forward', address: 'crm@ours.test' };
  let db: TestDatabase;
  let crm: CrmSyncUnderTest;
  const verdicts: MailVerdictV1[] = [];
  let alice: string;

  async function publishReceived(raw: Buffer, receivedId = uniqueName('mbx-forward:imap:1:'), msgId = receivedId): Promise<string> {
    const stored = await crm.app.get(RawMailStore).put(receivedId, raw);
    await crm.app.get(EventPublisher).publish('mailReceived', {
      receivedId, mailbox: forward, deploymentId: 'd1', configVersion: 1, protocol: 'imap', raw: stored, receivedAt: new Date().toISOString(),
    }, msgId);
    return receivedId;
  }

  async function receive(raw: Buffer, receivedId?: string): Promise<MailVerdictV1> {
    const id = await publishReceived(raw, receivedId);
    return waitFor(`verdict for ${id}`, () => verdicts.find((v) => v.receivedId === id));
  }

  const innerMail = (subject: string, extra: Partial<TestMail> = {}): TestMail => ({
    from: 'Bob <bob@acme.test>', to: 'alice@ours.test', subject, text: `${subject} body`, messageId: `<${uniqueName('in')}@acme.test>`, ...extra,
  });

  /** What an Exchange "forward as attachment" rule sends: from the user, the original attached. */
  async function wrapperOf(from: string, inner: TestMail[]): Promise<Buffer> {
    const attachments = await Promise.all(inner.map(async (m, i) => ({ filename: `message${i + 1}.eml`, content: await buildMime(m), contentType: 'message/rfc822' })));
    return buildMime({ from, to: forward.address, subject: `FW: ${inner[0]?.subject ?? 'nothing'}`, text: 'forwarded', attachments });
  }

  async function emailsOf(ownerId: string, subject: string) {
    const list = (await crm.api('GET', `/crm/v1/emails?ownerId=${ownerId}&direction=incoming`)).body as { id: string; subject: string; receivedId: string }[];
    return list.filter((e) => e.subject === subject);
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
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_SECRET_KEY: key.toString('hex'),
      CONSUMER_BACKOFF_INITIAL_MS: '100', CONSUMER_BACKOFF_MAX_MS: '500', FORWARD_MAX_MESSAGES: '2',
    });
    await crm.app.get(EventConsumers).start({
      event: 'mailVerdict', durable: 'spec-verdicts', handle: async (v) => void verdicts.push(v), quarantine: async () => undefined,
    });
    const configs = crm.app.get(ConfigStore);
    await configs.write({
      schema: 'mailrouter.config.v1', version: 1, publishedAt: new Date().toISOString(), mailboxes: [],
      deployments: [{ id: 'd1', name: 'd1', crm: { type: 'builtin' } }],
    });
    await waitFor('configuration 1 to be running', () => configs.current()?.version === 1);
    const res = await crm.api('POST', '/crm/v1/users', { fullName: 'Alice Archer', email: 'alice@ours.test' });
    expect(res.status).toBe(201);
    alice = res.body.id;
    expect((await crm.api('POST', '/crm/v1/contacts', { fullName: 'Bob Buyer', email: 'bob@acme.test' })).status).toBe(201);
  });

  afterAll(async () => {
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('a forward-as-attachment wrapper from alice: the attached message becomes alice\'s activity, the wrapper is tracked', async () => {
    const v = await receive(await wrapperOf('Alice <alice@ours.test>', [innerMail('Quote for Acme')]));
    expect(v).toMatchObject({ outcome: 'tracked', mailboxId: forward.id });
    expect(v.reasonText).toMatch(/^forward from alice@ours.test: 1 attached message tracked as alice@ours.test's mail: #1 tracked/);
    const email = (await crm.api('GET', `/crm/v1/emails/${v.activityId}`)).body;
    expect(email).toMatchObject({ subject: 'Quote for Acme', owner: { type: 'user', id: alice }, receivedId: `${v.receivedId}#fwd1` });
    expect(email.parties[0]).toMatchObject({ role: 'from', address: 'bob@acme.test', record: { type: 'contact' } });
    const inner = (await crm.api('GET', `/crm/v1/received/${encodeURIComponent(`${v.receivedId}#fwd1`)}`)).body;
    expect(inner).toMatchObject({ outcome: 'tracked', activityId: v.activityId, fromAddress: 'bob@acme.test', subject: 'Quote for Acme' });
  });

  it('takes at most FORWARD_MAX_MESSAGES attached messages and says what it skipped', async () => {
    const v = await receive(await wrapperOf('alice@ours.test', [innerMail('One'), innerMail('Two'), innerMail('Three')]));
    expect(v.outcome).toBe('tracked');
    expect(v.reasonText).toContain('1 more attached message skipped (at most 2 are taken from one forward)');
    expect(await emailsOf(alice, 'Two')).toHaveLength(1);
    expect(await emailsOf(alice, 'Three')).toHaveLength(0);
  });

  it('a Sieve-redirected message with a valid token is alice\'s; a forged token is not believed', async () => {
    const token = forwardRuleToken(key, forward.address, 'alice@ours.test');
    const ok = await receive(await buildMime(innerMail('Redirected', { headers: { [FORWARDED_FOR_HEADER]: `alice@ours.test; token=${token}` } })));
    expect(ok).toMatchObject({ outcome: 'tracked' });
    expect(ok.reasonText).toContain('by alice@ours.test\'s Sieve rule (token verified)');
    expect((await crm.api('GET', `/crm/v1/emails/${ok.activityId}`)).body).toMatchObject({ subject: 'Redirected', owner: { type: 'user', id: alice } });

    const forged = forwardRuleToken(randomBytes(32), forward.address, 'alice@ours.test');
    const bad = await receive(await buildMime(innerMail('Forged', { headers: { [FORWARDED_FOR_HEADER]: `alice@ours.test; token=${forged}` } })));
    expect(bad).toMatchObject({ outcome: 'quarantined', reason: 'forward-without-message' });
    expect(bad.activityId).toBeUndefined();
    expect(bad.reasonText).toContain('not believed as alice@ours.test\'s mail: it claims to be alice@ours.test\'s mail, but its token was not written by a rule this router deployed');
    expect(await emailsOf(alice, 'Forged')).toHaveLength(0);
  });

  it('end to end: the rule deployed over ManageSieve, mail delivered over LMTP, the redirected copy read over IMAP → alice\'s activity', async () => {
    const aliceBox = createMailUser('alice');
    const forwardBox = createMailUser('crm');
    const box: MailboxRefV1 = { ...forward, address: forwardBox.address };
    await deploySieveForwardRule({
      protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none', allowInvalidCertificates: false, maxConnections: 1,
      auth: { type: 'basic', username: aliceBox.username, password: aliceBox.password }, manageSievePort: TEST_DOVECOT.manageSievePort,
    }, forwardBox.address, key, 'alice@ours.test');
    await deliverViaLmtp(aliceBox.address, await buildMime(innerMail('Through Dovecot')));
    const [raw] = await waitFor('the redirected copy', async () => (await fetchInboxRaw(forwardBox)).length > 0 && fetchInboxRaw(forwardBox));
    const receivedId = uniqueName('mbx-forward:imap:2:');
    const stored = await crm.app.get(RawMailStore).put(receivedId, raw);
    await crm.app.get(EventPublisher).publish('mailReceived', {
      receivedId, mailbox: box, deploymentId: 'd1', configVersion: 1, protocol: 'imap', raw: stored, receivedAt: new Date().toISOString(),
    }, receivedId);
    const v = await waitFor(`verdict for ${receivedId}`, () => verdicts.find((x) => x.receivedId === receivedId));
    expect(v).toMatchObject({ outcome: 'tracked' });
    expect((await crm.api('GET', `/crm/v1/emails/${v.activityId}`)).body).toMatchObject({ subject: 'Through Dovecot', owner: { type: 'user', id: alice } });
  });

  it('a wrapper without a forwarded message is quarantined forward-without-message, with words an admin can act on', async () => {
    const v = await receive(await buildMime({ from: 'alice@ours.test', to: forward.address, subject: 'FW: lost', text: 'the attachment got lost' }));
    expect(v).toMatchObject({ outcome: 'quarantined', reason: 'forward-without-message' });
    expect(v.reasonText).toMatch(/received a message from alice@ours.test that carries no forwarded message.*check that the user's server-side rule forwards as attachment/);
    const trail = (await crm.api('GET', `/crm/v1/received/${encodeURIComponent(v.receivedId)}`)).body;
    expect(trail).toMatchObject({ outcome: 'quarantined', reason: 'forward-without-message', subject: 'FW: lost' });
  });

  it('redelivery, and a crash between the attached messages and the wrapper\'s verdict, still make one activity each', async () => {
    const raw = await wrapperOf('alice@ours.test', [innerMail('Crash one'), innerMail('Crash two')]);
    const first = await receive(raw);
    expect(first.outcome).toBe('tracked');
    // incoming publishes the same message again (restart, past the duplicate window)
    await publishReceived(raw, first.receivedId, `${first.receivedId}#again`);
    await drained('crm-sync-received');
    // a crash after the attached messages were decided, before the wrapper's row: drop that row
    expect((await crm.app.get(DataSource).getRepository(ReceivedMailEntity).delete({ receivedId: first.receivedId })).affected).toBe(1);
    await publishReceived(raw, first.receivedId, `${first.receivedId}#after-crash`);
    // (the verdict republished has the same Nats-Msg-Id: JetStream drops it; the trail shows the decision)
    const trail = await waitFor('the wrapper decided again', async () => {
      const res = await crm.api('GET', `/crm/v1/received/${encodeURIComponent(first.receivedId)}`);
      return res.status === 200 && res.body;
    });
    await drained('crm-sync-received');
    expect(trail).toMatchObject({ outcome: 'tracked', activityId: first.activityId });
    expect(await emailsOf(alice, 'Crash one')).toHaveLength(1);
    expect(await emailsOf(alice, 'Crash two')).toHaveLength(1);
    expect(verdicts.filter((v) => v.receivedId === first.receivedId)).toHaveLength(1);
  });
});
