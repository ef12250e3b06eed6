import type { PublishedConfigV1, SendCommandV1, SendResultV1 } from '@mailrouter/contracts';
import type { NatsConnection } from 'nats';
import { streamName } from '@mailrouter/contracts';
import { ConfigStore, EventConsumers, EventPublisher, NATS_CONNECTION } from '@mailrouter/messaging';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { DataSource } from 'typeorm';
import { CrmSyncUnderTest, startCrmSync } from '../testing/crm-sync.harness';
import { BuiltinCrmConnector } from '../builtin-crm/builtin-crm.connector';

interface SeenCommand {
  command: SendCommandV1;
  msgId?: string;
}

// Real services: allow for a loaded machine (jest's project-level testTimeout does not apply here).

describe('crm-sync outgoing flow: pending-send → send command → result (real PostgreSQL + NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let crm: CrmSyncUnderTest;
  const commands: SeenCommand[] = [];
  const ids: Record<string, string> = {};

  const commandsFor = (emailId: string) => commands.filter((c) => c.command.emailId === emailId);
  const email = async (id: string) => (await crm.api('GET', `/crm/v1/emails/${id}`)).body;

  async function compose(body: Record<string, unknown>) {
    const res = await crm.api('POST', '/crm/v1/emails', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  async function resultsDrained() {
    const jsm = await crm.app.get<NatsConnection>(NATS_CONNECTION).jetstreamManager();
    await waitFor('send results to be handled', async () => {
      const info = await jsm.consumers.info(streamName(prefix, 'OUTBOUND'), 'crm-sync-send-results');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
  }

  async function result(emailId: string, r: Partial<SendResultV1> & Pick<SendResultV1, 'outcome'>, key: string) {
    await crm.app.get(EventPublisher).publish('sendResult', {
      emailId, messageId: `<mr.${emailId}@ours.test>`, deliveryAttempts: 1, possibleDuplicate: false, completedAt: new Date().toISOString(), ...r,
    }, key);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    crm = await startCrmSync({
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix,
      CLAIM_INTERVAL_MS: '100', SEND_LEASE_MS: '1500', CONSUMER_BACKOFF_INITIAL_MS: '100',
    });
    await crm.app.get(EventConsumers).start({
      event: 'sendCommand', durable: 'spec-outgoing',
      handle: async (command, ctx) => void commands.push({ command, msgId: ctx.msgId }),
      quarantine: async () => undefined,
    });
    const mk = async (kind: string, body: Record<string, unknown>) => (await crm.api('POST', `/crm/v1/${kind}`, body)).body.id as string;
    ids.olga = await mk('users', { fullName: 'Olga Out', email: 'olga@ours.test' });
    ids.nora = await mk('users', { fullName: 'Nora Nobox', email: 'nora@ours.test' });
    ids.sales = await mk('queues', { name: 'Sales', email: 'sales@ours.test' });
    ids.acme = await mk('accounts', { name: 'Acme', email: 'info@acme.test' });
    ids.bob = await mk('contacts', { fullName: 'Bob', email: 'bob@acme.test', accountId: ids.acme });
    const endpoint = { profileId: 'p1', protocol: 'smtp' as const, host: '127.0.0.1', port: 2525, security: 'none' as const, auth: { type: 'none' as const }, allowInvalidCertificates: false, maxConnections: 4 };
    const mailbox = (id: string, kind: 'user' | 'queue', crmId: string, address: string, outgoing = true) => ({
      id, deploymentId: 'd1', kind, address, crmId, enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 60,
      ...(outgoing ? { outgoing: endpoint } : {}),
    });
    const config: PublishedConfigV1 = {
      schema: 'mailrouter.config.v1', version: 1, publishedAt: new Date().toISOString(), deployments: [],
      mailboxes: [
        mailbox('mbx-olga', 'user', ids.olga, 'olga@ours.test'),
        mailbox('mbx-sales', 'queue', ids.sales, 'sales@ours.test'),
        mailbox('mbx-nora-in', 'user', ids.nora, 'nora@ours.test', false),
      ],
    };
    await crm.app.get(ConfigStore).write(config);
  });

  afterAll(async () => {
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('claims a pending email and publishes its send command with the tracking token; a sent result marks it sent', async () => {
    const e = await compose({
      fromUserId: ids.olga, to: ['Bob@Acme.test'], cc: ['cc@else.test'], bcc: ['audit@ours.test'], subject: 'Offer', text: 'Our offer',
      html: '<p>Our offer</p>', regarding: { type: 'account', id: ids.acme }, send: true,
    });
    expect(e).toMatchObject({ status: 'pending-send', direction: 'outgoing', regarding: { type: 'account', id: ids.acme } });
    expect(e.trackingToken).toMatch(/^CRM:0\d{3}\d{4}$/);
    expect(e.parties).toEqual([
      { role: 'from', address: 'olga@ours.test', name: 'Olga Out', record: { type: 'user', id: ids.olga } },
      { role: 'to', address: 'bob@acme.test', name: null, record: { type: 'contact', id: ids.bob } },
      { role: 'cc', address: 'cc@else.test', name: null, record: null },
      { role: 'bcc', address: 'audit@ours.test', name: null, record: null },
    ]);
    const seen = await waitFor('the send command', () => commandsFor(e.id)[0]);
    expect(seen.msgId).toBe(`${e.id}:1`);
    expect(seen.command).toMatchObject({
      emailId: e.id, claim: 1, deploymentId: 'd1', mailboxId: 'mbx-olga', from: { address: 'olga@ours.test', name: 'Olga Out' },
      to: [{ address: 'bob@acme.test' }], cc: [{ address: 'cc@else.test' }], bcc: [{ address: 'audit@ours.test' }],
      subject: 'Offer', trackingToken: e.trackingToken, text: 'Our offer', html: '<p>Our offer</p>',
    });
    expect((await email(e.id)).status).toBe('sending');
    await result(e.id, { outcome: 'sent', messageId: `<MR.${e.id}@OURS.test>`, deliveryAttempts: 2 }, `${e.id}:r1`);
    const sent = await waitFor('sent', async () => { const x = await email(e.id); return x.status === 'sent' && x; });
    expect(sent).toMatchObject({ messageId: `<MR.${e.id}@ours.test>`, deliveryAttempts: 2, failureReason: null });
    expect(sent.sentAt).toEqual(expect.any(String));
    // A late failure never moves a sent email back.
    await result(e.id, { outcome: 'failed', reason: 'late' }, `${e.id}:r2`);
    await resultsDrained();
    expect((await email(e.id)).status).toBe('sent');
  });

  it('a result for an email the CRM does not have is quarantined with the reason', async () => {
    await result(ids.acme, { outcome: 'failed', reason: 'unknown email' }, `${ids.acme}:stray`);
    const q = await waitFor('the stray result in quarantine', async () =>
      (await crm.api('GET', '/crm/v1/quarantine')).body.find((x: { msgId: string }) => x.msgId === `${ids.acme}:stray`));
    expect(q).toMatchObject({ event: 'sendResult', reason: `no outgoing email ${ids.acme} in the built-in CRM`, payload: { emailId: ids.acme } });
  });

  it('a failed result marks the email failed with the reason and the attempts', async () => {
    const e = await compose({ fromQueueId: ids.sales, to: ['nobody@acme.test'], subject: 'Bounce', text: 'x', send: true });
    expect(e.trackingToken).toMatch(/^CRM:0000\d{4}$/);
    const seen = await waitFor('the send command', () => commandsFor(e.id)[0]);
    expect(seen.command).toMatchObject({ mailboxId: 'mbx-sales', from: { address: 'sales@ours.test', name: 'Sales' } });
    await result(e.id, { outcome: 'failed', reason: 'permanent failure', serverResponse: '550 5.1.1 user unknown', deliveryAttempts: 1 }, `${e.id}:r1`);
    const failed = await waitFor('failed', async () => { const x = await email(e.id); return x.status === 'failed' && x; });
    expect(failed).toMatchObject({ deliveryAttempts: 1 });
    expect(failed.failureReason).toContain('550 5.1.1 user unknown');
  });

  it('an owner without a published outgoing mailbox: the email fails with the reason, nothing is sent', async () => {
    const e = await compose({ fromUserId: ids.nora, to: ['bob@acme.test'], subject: 'Nowhere', text: 'x', send: true });
    const failed = await waitFor('failed', async () => { const x = await email(e.id); return x.status === 'failed' && x; });
    expect(failed.failureReason).toBe('no published mailbox with an outgoing profile for nora@ours.test');
    expect(commandsFor(e.id)).toHaveLength(0);
  });

  it('a draft is not sent until POST /emails/:id/send', async () => {
    const draft = await compose({ fromUserId: ids.olga, to: ['bob@acme.test'], subject: 'Draft', text: 'x' });
    expect(draft).toMatchObject({ status: 'draft', trackingToken: null });
    const queued = await crm.api('POST', `/crm/v1/emails/${draft.id}/send`);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ trackingToken: expect.stringMatching(/^CRM:/) });
    // Queued: the claim loop (every second) may already have taken it by the time the reply reads it back.
    expect(['pending-send', 'sending']).toContain(queued.body.status);
    expect((await crm.api('POST', `/crm/v1/emails/${draft.id}/send`)).status).toBe(409);
    const seen = await waitFor('the send command', () => commandsFor(draft.id)[0]);
    expect(seen.command.trackingToken).toBe(queued.body.trackingToken);
    await result(draft.id, { outcome: 'sent' }, `${draft.id}:r1`);
    await waitFor('sent', async () => (await email(draft.id)).status === 'sent');
  });

  it('a claim confirmed as handed over is held for the given lease, a stale claim number changes nothing', async () => {
    const draft = await compose({ fromUserId: ids.olga, to: ['bob@acme.test'], subject: 'Handed over', text: 'x' });
    // As a claimer leaves it: sending, claim 1, leased far ahead (the claim loop leaves it alone).
    const db = crm.app.get(DataSource);
    await db.query(`UPDATE crm.email SET status = 'sending', claim_count = 1, lease_until = now() + interval '1 hour' WHERE id = $1`, [draft.id]);
    const leaseLeft = async () => {
      const [row] = await db.query(`SELECT extract(epoch FROM lease_until - now()) * 1000 AS ms FROM crm.email WHERE id = $1`, [draft.id]);
      return Number(row.ms);
    };
    const connector = crm.app.get(BuiltinCrmConnector);
    await connector.confirmHandedOver([{ emailId: draft.id, claim: 2 }], 500);
    expect(await leaseLeft()).toBeGreaterThan(3_000_000);
    await connector.confirmHandedOver([{ emailId: draft.id, claim: 1 }], 500);
    expect(await leaseLeft()).toBeLessThanOrEqual(500);
    // The lease it was given ran out without a result: claimed again.
    await waitFor('the second claim', () => commandsFor(draft.id).find((c) => c.command.claim === 2), 20_000);
    await result(draft.id, { outcome: 'sent' }, `${draft.id}:r1`);
    await waitFor('sent', async () => (await email(draft.id)).status === 'sent');
  });

  it('an email whose lease ran out without a result is claimed again (claim 2, a new Nats-Msg-Id)', async () => {
    const e = await compose({ fromUserId: ids.olga, to: ['bob@acme.test'], subject: 'Crashed sender', text: 'x', send: true });
    const second = await waitFor('the second claim', () => commandsFor(e.id).find((c) => c.command.claim === 2), 20_000);
    expect(second.msgId).toBe(`${e.id}:2`);
    expect(commandsFor(e.id)[0]).toMatchObject({ msgId: `${e.id}:1`, command: { claim: 1 } });
    expect(second.command.trackingToken).toBe(e.trackingToken);
    await result(e.id, { outcome: 'sent' }, `${e.id}:r1`);
    await waitFor('sent', async () => (await email(e.id)).status === 'sent');
  });
});
