import { RpcClient } from '@mailrouter/messaging';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { CrmSyncUnderTest, startCrmSync } from '../testing/crm-sync.harness';

// Real services: allow for a loaded machine (jest's project-level testTimeout does not apply here).

describe('crm-sync REST API and load-data RPC (real PostgreSQL + NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let crm: CrmSyncUnderTest;

  beforeAll(async () => {
    db = await createTestDatabase();
    crm = await startCrmSync({ DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix });
  });

  afterAll(async () => {
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('refuses requests without the API token (401), but health is open', async () => {
    expect((await crm.api('GET', '/crm/v1/users', undefined, null)).status).toBe(401);
    expect((await crm.api('GET', '/crm/v1/users', undefined, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await crm.api('GET', '/health/ready', undefined, null)).status).toBe(200);
  });

  it('creates and reads users, queues, contacts, accounts and leads with their defaults', async () => {
    const user = await crm.api('POST', '/crm/v1/users', { fullName: 'Ann', email: 'Ann@Ours.TEST' });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({ fullName: 'Ann', email: 'ann@ours.test', incomingTracking: 'all', emailRouter: true, userNumber: expect.any(Number) });
    expect((await crm.api('GET', `/crm/v1/users/${user.body.id}`)).body).toMatchObject({ id: user.body.id, email: 'ann@ours.test' });
    const account = (await crm.api('POST', '/crm/v1/accounts', { name: 'Acme' })).body;
    expect(account).toMatchObject({ name: 'Acme', email: null });
    const contact = await crm.api('POST', '/crm/v1/contacts', { fullName: 'Bob', email: 'bob@acme.test', accountId: account.id });
    expect(contact.body).toMatchObject({ accountId: account.id });
    expect((await crm.api('POST', '/crm/v1/leads', { fullName: 'Lena', email: 'lena@p.test' })).status).toBe(201);
    const queue = await crm.api('POST', '/crm/v1/queues', { name: 'Support', email: 'support@ours.test', incomingTracking: 'none', emailRouter: false });
    expect(queue.body).toMatchObject({ incomingTracking: 'none', emailRouter: false });
    expect((await crm.api('GET', '/crm/v1/contacts')).body.map((c: { id: string }) => c.id)).toEqual([contact.body.id]);
  });

  it('answers 400 naming each bad field, 404 for unknown records, 409 for a second user with the same address', async () => {
    const bad = await crm.api('POST', '/crm/v1/users', { fullName: '', email: 'not-an-address', incomingTracking: 'none' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'fullName', 'incomingTracking']);
    const noAccount = await crm.api('POST', '/crm/v1/contacts', { fullName: 'C', email: 'c@x.test', accountId: '00000000-0000-4000-8000-000000000000' });
    expect(noAccount.status).toBe(400);
    expect(noAccount.body.fields[0].field).toBe('accountId');
    expect((await crm.api('GET', '/crm/v1/leads/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await crm.api('GET', '/crm/v1/leads/not-a-uuid')).status).toBe(404);
    expect((await crm.api('GET', '/crm/v1/emails/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await crm.api('GET', '/crm/v1/received/nothing:imap:1:1')).status).toBe(404);
    expect((await crm.api('GET', '/crm/v1/widgets')).status).toBe(404);
    await crm.api('POST', '/crm/v1/users', { fullName: 'Dup', email: 'dup@ours.test' });
    expect((await crm.api('POST', '/crm/v1/users', { fullName: 'Dup 2', email: 'DUP@ours.test' })).status).toBe(409);
  });

  it('validates a composed email: exactly one sender, at least one valid recipient, an existing regarding', async () => {
    const user = (await crm.api('POST', '/crm/v1/users', { fullName: 'Sam', email: 'sam@ours.test' })).body;
    const none = await crm.api('POST', '/crm/v1/emails', { to: ['a@b.test'], subject: 's' });
    expect(none.status).toBe(400);
    expect(none.body.fields.map((f: { field: string }) => f.field)).toContain('fromUserId');
    const noTo = await crm.api('POST', '/crm/v1/emails', { fromUserId: user.id, to: [], subject: 's' });
    expect(noTo.body.fields.map((f: { field: string }) => f.field)).toContain('to');
    const badTo = await crm.api('POST', '/crm/v1/emails', { fromUserId: user.id, to: ['"x" <a@b.test>'], subject: 's' });
    expect(badTo.body.fields.map((f: { field: string }) => f.field)).toContain('to.0');
    const regarding = await crm.api('POST', '/crm/v1/emails', {
      fromUserId: user.id, to: ['a@b.test'], subject: 's', regarding: { type: 'account', id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(regarding.status).toBe(400);
    expect(regarding.body.fields[0].field).toBe('regarding');
    const unknownUser = await crm.api('POST', '/crm/v1/emails', { fromUserId: '00000000-0000-4000-8000-000000000000', to: ['a@b.test'], subject: 's' });
    expect(unknownUser.body.fields[0].field).toBe('fromUserId');
    const draft = await crm.api('POST', '/crm/v1/emails', { fromUserId: user.id, to: ['a@b.test'], subject: 's' });
    expect(draft.status).toBe(201);
    const listed = (await crm.api('GET', `/crm/v1/emails?ownerId=${user.id}&status=draft`)).body;
    expect(listed.map((e: { id: string }) => e.id)).toEqual([draft.body.id]);
    expect((await crm.api('GET', '/crm/v1/emails?status=lost')).status).toBe(400);
  });

  it('load data (NATS request-reply) answers the users and queues the router delivers', async () => {
    const rpc = crm.app.get(RpcClient);
    const reply = await rpc.request('crmLoadData', { deploymentId: 'd1', crm: { type: 'builtin' } }, 10_000);
    const users = (await crm.api('GET', '/crm/v1/users')).body as { id: string; fullName: string; email: string; emailRouter: boolean }[];
    const queues = (await crm.api('GET', '/crm/v1/queues')).body as { id: string; emailRouter: boolean }[];
    const expected = users.filter((u) => u.emailRouter).map((u) => ({ crmId: u.id, kind: 'user', name: u.fullName, address: u.email }));
    expect(reply.records.filter((r) => r.kind === 'user')).toEqual(expect.arrayContaining(expected));
    expect(reply.records.filter((r) => r.kind === 'user')).toHaveLength(expected.length);
    // The only queue does not have its email delivered by the router.
    expect(queues.every((q) => !q.emailRouter)).toBe(true);
    expect(reply.records.filter((r) => r.kind === 'queue')).toEqual([]);
  });
});
