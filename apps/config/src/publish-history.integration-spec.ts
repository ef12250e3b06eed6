import { Client } from 'pg';
import { ConfigStore } from '@mailrouter/messaging';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NEW_PASSWORD = 'alice-New-Pa55-4471';

/** Load Data preview, publish diff and rollback, against the real PostgreSQL and NATS key-value bucket. */
describe('load data preview, publish diff and rollback', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  let deployment: Json;
  let records: Json[];
  const responses: string[] = [];

  const call = async (method: string, path: string, body?: unknown, expected = 200): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    responses.push(res.text);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };
  const mailboxes = async () => (await call('GET', `/api/v1/mailboxes?deploymentId=${deployment.id}`)) as unknown as Json[];
  const tableRows = async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const { rows } = await pg.query('SELECT id, address, name, crm_id, kind, updated_at FROM config.mailbox ORDER BY address');
      return rows;
    } finally {
      await pg.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { LOAD_DATA_TIMEOUT_SECONDS: '2' } });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    await responder.answer('crmLoadData', () => ({ response: { records } }));
    const imap = await call('POST', '/api/v1/profiles', {
      name: 'imap', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none',
    }, 201);
    deployment = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id }, 201);
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('previews Load Data with ?dryRun=true exactly as the real run, writing nothing', async () => {
    records = [
      { crmId: 'u-alice', kind: 'user', name: 'Alice', address: 'alice@contoso.test' },
      { crmId: 'q-support', kind: 'queue', name: 'Support', address: 'support@contoso.test' },
    ];
    await call('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    records = [
      { crmId: 'u-alice', kind: 'user', name: 'Alice Smith', address: 'Alice.Smith@contoso.test' },
      { crmId: 'q-support', kind: 'queue', name: 'Support', address: 'support@contoso.test' },
      { crmId: 'u-bob', kind: 'user', name: 'Bob', address: 'bob@contoso.test' },
      { crmId: 'u-bad', kind: 'user', name: 'Bad', address: 'not an address' },
    ];
    const listedBefore = await mailboxes();
    const rowsBefore = await tableRows();

    const preview = await call('POST', `/api/v1/deployments/${deployment.id}/load-data?dryRun=true`);
    expect(preview.dryRun).toBe(true);
    expect(preview.created).toEqual([expect.objectContaining({
      id: null, kind: 'user', address: 'bob@contoso.test', name: 'Bob', crmId: 'u-bob', enabled: true, hasPassword: false,
    })]);
    const aliceId = listedBefore.find((m) => m.crmId === 'u-alice')!.id;
    expect(preview.updated.map((m: Json) => [m.id, m.address, m.name, m.changed])).toEqual([
      [aliceId, 'alice.smith@contoso.test', 'Alice Smith', ['address', 'name']],
    ]);
    expect(preview.unchanged).toBe(1);
    expect(preview.skipped).toEqual([{ crmId: 'u-bad', address: 'not an address', reason: 'not a valid e-mail address' }]);

    // Nothing written: the API and the table are exactly as before, timestamps included.
    expect(await mailboxes()).toEqual(listedBefore);
    expect(await tableRows()).toEqual(rowsBefore);

    // The real run then does what the preview said.
    const applied = await call('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    expect(applied.dryRun).toBe(false);
    expect(applied.created.map((m: Json) => [m.address, typeof m.id])).toEqual([['bob@contoso.test', 'string']]);
    expect(applied.updated.map((m: Json) => [m.id, m.address, m.changed])).toEqual(preview.updated.map((m: Json) => [m.id, m.address, m.changed]));
    expect([applied.unchanged, applied.skipped]).toEqual([preview.unchanged, preview.skipped]);
    expect((await mailboxes()).map((m) => m.address)).toEqual(['alice.smith@contoso.test', 'bob@contoso.test', 'support@contoso.test']);

    const bad = await api.call<Json>('POST', `/api/v1/deployments/${deployment.id}/load-data?dryRun=maybe`);
    expect([bad.status, bad.body.message]).toEqual([400, "dryRun: must be true or false, not 'maybe'"]);
  });

  it('diffs the draft against the running version: an edited mailbox field, a new password, an added mailbox', async () => {
    const unpublished = await call('GET', '/api/v1/publish/diff');
    expect(unpublished.against).toBeNull();
    expect(unpublished.mailboxes.added.map((m: Json) => m.address).sort()).toEqual(['alice.smith@contoso.test', 'bob@contoso.test', 'support@contoso.test']);
    expect(unpublished.deployments.added).toEqual([{ id: deployment.id, name: 'Contoso' }]);

    const v1 = await call('POST', '/api/v1/publish', { comment: 'first' }, 201);
    const clean = await call('GET', '/api/v1/publish/diff');
    expect(clean).toMatchObject({ against: { version: v1.version, comment: 'first' }, identical: true });

    const [alice, bob] = await mailboxes();
    await call('PATCH', `/api/v1/mailboxes/${alice.id}`, { deleteAfterProcessing: true, password: NEW_PASSWORD });
    await call('DELETE', `/api/v1/mailboxes/${bob.id}`, undefined, 204);
    const carol = await call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: 'carol@contoso.test' }, 201);

    const diff = await call('GET', '/api/v1/publish/diff');
    expect(diff.against.version).toBe(v1.version);
    expect(diff.identical).toBe(false);
    expect(diff.mailboxes.added).toEqual([{ id: carol.id, address: 'carol@contoso.test', deploymentId: deployment.id }]);
    expect(diff.mailboxes.removed).toEqual([{ id: bob.id, address: 'bob@contoso.test', deploymentId: deployment.id }]);
    expect(diff.mailboxes.changed).toEqual([{
      id: alice.id, address: 'alice.smith@contoso.test', deploymentId: deployment.id,
      fields: [
        { field: 'deleteAfterProcessing', from: false, to: true },
        { field: 'incoming.auth.password', secret: true, change: 'set' },
      ],
    }]);
    expect(diff.deployments).toEqual({ added: [], removed: [], changed: [] });
    // The sealed password itself never leaves the API.
    const shown = responses.at(-1)!;
    expect(shown).not.toContain(NEW_PASSWORD);
    expect(shown).not.toMatch(/"(iv|tag|data)":/);

    expect((await api.call('GET', '/api/v1/publish/diff?against=999')).status).toBe(404);
    const bad = await api.call<Json>('GET', '/api/v1/publish/diff?against=latest');
    expect([bad.status, bad.body.message]).toEqual([400, "against: must be a published version number, not 'latest'"]);
  });

  it("rolls back: version N+k republishes N's content, the KV `current` points at it, the draft stays", async () => {
    const history = (await call('GET', '/api/v1/publish')) as unknown as Json[];
    const v1 = history.at(-1)!.version as number;
    const v2 = await call('POST', '/api/v1/publish', { comment: 'the edits' }, 201);

    const rolled = await call('POST', `/api/v1/publish/${v1}/rollback`, { comment: 'alice lost her mail' }, 201);
    expect(rolled).toMatchObject({
      version: v2.version + 1, comment: `rollback to version ${v1}: alice lost her mail`, mailboxes: 3,
      rolledBackTo: v1, draftChanged: false,
    });
    expect(rolled.note).toMatch(/draft is unchanged/);

    const store = api.app.get(ConfigStore);
    const current = await store.read();
    const original = await store.read(`version.${v1}`);
    expect(current?.version).toBe(rolled.version);
    const content = (c: Json | undefined) => ({ deployments: c?.deployments, mailboxes: c?.mailboxes });
    expect(content(current)).toEqual(content(original));
    expect(current?.mailboxes.map((m) => m.address)).toContain('bob@contoso.test');
    expect(await call('GET', `/api/v1/publish/${rolled.version}`)).toEqual({
      ...(await call('GET', `/api/v1/publish/${v1}`)),
      version: rolled.version, publishedAt: rolled.publishedAt, comment: rolled.comment,
    });
    const after = (await call('GET', '/api/v1/publish')) as unknown as Json[];
    expect(after[0]).toEqual({ version: rolled.version, publishedAt: rolled.publishedAt, comment: rolled.comment, mailboxes: 3 });

    // The draft was not touched: against the rollback, the diff shows the edits again.
    const diff = await call('GET', '/api/v1/publish/diff');
    expect(diff.against.version).toBe(rolled.version);
    expect(diff.mailboxes.added.map((m: Json) => m.address)).toEqual(['carol@contoso.test']);
    expect(diff.mailboxes.removed.map((m: Json) => m.address)).toEqual(['bob@contoso.test']);

    const plain = await call('POST', `/api/v1/publish/${v1}/rollback`, {}, 201);
    expect([plain.version, plain.comment]).toEqual([rolled.version + 1, `rollback to version ${v1}`]);
    expect((await api.call('POST', '/api/v1/publish/999/rollback', {})).status).toBe(404);
    expect((await api.call('POST', '/api/v1/publish/abc/rollback', {})).status).toBe(404);
    expect((await store.read())?.version).toBe(plain.version);
  });
});
