import { Client } from 'pg';
import { ConfigStore } from '@mailrouter/messaging';
import { DEFAULT_DEPLOYMENT_TRACKING, PublishedConfigV1 } from '@mailrouter/contracts';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CLIENT_SECRET = 'dataverse-Client~Secret-5e81';
const ROTATED_SECRET = 'dataverse-Rotated~Secret-0c2d';

const dataverse = (over: Json = {}) => ({
  type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 'tenant-1', clientId: 'client-1',
  clientSecret: CLIENT_SECRET, ...over,
});

function fieldsOf(body: Json): string[] {
  return (body.fields as { field: string }[]).map((f) => f.field).sort();
}

describe('config API: a deployment\'s CRM connection and tracking settings', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  const texts: string[] = [];

  const call = async (method: string, path: string, body?: unknown, expected?: number): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    texts.push(res.text);
    if (expected !== undefined && res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return (res.body ?? {}) as Json;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { LOAD_DATA_TIMEOUT_SECONDS: '2' } });
  });

  afterAll(async () => {
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('names each bad or missing field of a connection and of the tracking settings', async () => {
    const missing = await call('POST', '/api/v1/deployments', { name: 'D', crm: { type: 'dataverse' } }, 400);
    expect(fieldsOf(missing)).toEqual(['crm.clientId', 'crm.clientSecret', 'crm.tenantId', 'crm.url']);
    const bad = await call('POST', '/api/v1/deployments', {
      name: 'D', crm: dataverse({ url: 'http://contoso.crm.dynamics.com', clientId: '', authority: 'not a url' }),
    }, 400);
    expect(fieldsOf(bad)).toEqual(['crm.authority', 'crm.clientId', 'crm.url']);
    expect(bad.message).toContain('crm.url: must be an https URL');
    const stray = await call('POST', '/api/v1/deployments', { name: 'D', crm: { type: 'builtin', url: 'https://x.example' } }, 400);
    expect(fieldsOf(stray)).toEqual(['crm.url']);
    const tracking = await call('POST', '/api/v1/deployments', {
      name: 'D',
      tracking: { token: { prefix: '', counterDigits: 12 }, loopGuard: { maxMessages: 0 }, smartMatching: { enabled: 'yes' }, tokn: {} },
    }, 400);
    expect(fieldsOf(tracking)).toEqual([
      'tracking.loopGuard.maxMessages', 'tracking.smartMatching.enabled', 'tracking.token.counterDigits', 'tracking.token.prefix', 'tracking.tokn',
    ]);
    const tooLong = await call('POST', '/api/v1/deployments', { name: 'D', tracking: { token: { prefix: 'X'.repeat(21) } } }, 400);
    expect(fieldsOf(tooLong)).toEqual(['tracking.token.prefix']);
    expect((await api.call<Json[]>('GET', '/api/v1/deployments')).body).toEqual([]);
  });

  it('keeps a dataverse connection with its secret write-only, merges partial changes, and switches back to built-in', async () => {
    const created = await call('POST', '/api/v1/deployments', { name: 'Contoso', crm: dataverse() }, 201);
    expect(created.crm).toEqual({
      type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 'tenant-1', clientId: 'client-1', hasClientSecret: true,
    });
    expect(created.tracking).toEqual(DEFAULT_DEPLOYMENT_TRACKING);

    const moved = await call('PATCH', `/api/v1/deployments/${created.id}`, { crm: { clientId: 'client-2', authority: 'http://127.0.0.1:9999/tenant-1' } }, 200);
    expect(moved.crm).toEqual({
      type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 'tenant-1', clientId: 'client-2',
      authority: 'http://127.0.0.1:9999/tenant-1', hasClientSecret: true,
    });
    const rotated = await call('PATCH', `/api/v1/deployments/${created.id}`, { crm: { clientSecret: ROTATED_SECRET, authority: null } }, 200);
    expect(rotated.crm).not.toHaveProperty('authority');
    expect(await call('GET', `/api/v1/deployments/${created.id}`, undefined, 200)).toMatchObject({ crm: rotated.crm });

    const other = await call('POST', '/api/v1/deployments', { name: 'Fabrikam' }, 201);
    expect(other.crm).toEqual({ type: 'builtin' });
    const incomplete = await call('PATCH', `/api/v1/deployments/${other.id}`, { crm: { type: 'dataverse', url: 'https://fabrikam.crm.dynamics.com' } }, 400);
    expect(fieldsOf(incomplete)).toEqual(['crm.clientId', 'crm.clientSecret', 'crm.tenantId']);
    const back = await call('PATCH', `/api/v1/deployments/${other.id}`, { crm: dataverse({ url: 'https://fabrikam.crm.dynamics.com' }) }, 200);
    expect(back.crm).toMatchObject({ type: 'dataverse', hasClientSecret: true });
    const builtin = await call('PATCH', `/api/v1/deployments/${other.id}`, { crm: { type: 'builtin' } }, 200);
    expect(builtin.crm).toEqual({ type: 'builtin' });
    // Back to dataverse: the old secret went with the old connection.
    const again = await call('PATCH', `/api/v1/deployments/${other.id}`, { crm: dataverse({ clientSecret: undefined }) }, 400);
    expect(fieldsOf(again)).toEqual(['crm.clientSecret']);
    expect((await call('DELETE', `/api/v1/deployments/${other.id}`)).statusCode).toBeUndefined();
  });

  it('deep-merges partial tracking settings onto the defaults, then onto the stored ones', async () => {
    const created = await call('POST', '/api/v1/deployments', {
      name: 'Tracked', tracking: { token: { prefix: 'ACME:' }, smartMatching: { enabled: true } },
    }, 201);
    expect(created.tracking).toEqual({
      ...DEFAULT_DEPLOYMENT_TRACKING,
      token: { ...DEFAULT_DEPLOYMENT_TRACKING.token, prefix: 'ACME:' },
      smartMatching: { enabled: true, minSharedAddresses: 2 },
    });
    const patched = await call('PATCH', `/api/v1/deployments/${created.id}`, {
      tracking: { token: { counterDigits: 6 }, trackAutomaticReplies: true },
    }, 200);
    expect(patched.tracking.token).toEqual({ ...DEFAULT_DEPLOYMENT_TRACKING.token, prefix: 'ACME:', counterDigits: 6 });
    expect(patched.tracking.smartMatching).toEqual({ enabled: true, minSharedAddresses: 2 });
    expect(patched.tracking.trackAutomaticReplies).toBe(true);
    const rejected = await call('PATCH', `/api/v1/deployments/${created.id}`, { tracking: { token: { prefix: 'X'.repeat(21) } } }, 400);
    expect(fieldsOf(rejected)).toEqual(['tracking.token.prefix']);
    expect((await call('GET', `/api/v1/deployments/${created.id}`, undefined, 200)).tracking).toEqual(patched.tracking);
  });

  it('publishes the connection with the secret sealed and the tracking settings, and sends it with load data', async () => {
    const published = await call('POST', '/api/v1/publish', { comment: 'dataverse' }, 201);
    const cfg = PublishedConfigV1.parse(await api.app.get(ConfigStore).read());
    expect(cfg.version).toBe(published.version);
    const contoso = cfg.deployments.find((d) => d.name === 'Contoso')!;
    expect(contoso.crm).toMatchObject({ type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 'tenant-1', clientId: 'client-2' });
    const sealed = contoso.crm.type === 'dataverse' ? contoso.crm.clientSecret : undefined;
    expect(openSecret(decodeSecretKey(api.secretKey), sealed!)).toBe(ROTATED_SECRET);
    expect(contoso.tracking).toEqual(DEFAULT_DEPLOYMENT_TRACKING);
    const tracked = cfg.deployments.find((d) => d.name === 'Tracked')!;
    expect(tracked.crm).toEqual({ type: 'builtin' });
    expect(tracked.tracking.token).toMatchObject({ prefix: 'ACME:', counterDigits: 6 });

    const shown = await call('GET', `/api/v1/publish/${published.version}`, undefined, 200);
    expect((shown.deployments as Json[]).find((d) => d.name === 'Contoso')!.crm).toMatchObject({ type: 'dataverse', hasClientSecret: true });

    const responder = new FakeResponder(TEST_NATS_URL, prefix);
    try {
      await responder.answer('crmLoadData', () => ({ response: { records: [] } }));
      await call('POST', `/api/v1/deployments/${contoso.id}/load-data`, undefined, 200);
      const asked = responder.requests.at(-1)!.data as Json;
      expect(asked.crm).toMatchObject({ type: 'dataverse', clientId: 'client-2' });
      expect(openSecret(decodeSecretKey(api.secretKey), asked.crm.clientSecret)).toBe(ROTATED_SECRET);
    } finally {
      await responder.close();
    }
  });

  it('never shows the client secret, nor stores it in plaintext', async () => {
    const all = [...texts, (await api.call('GET', '/api/v1/deployments')).text, (await api.call('GET', '/api/v1/publish/1')).text].join('\n');
    expect(all).toContain('hasClientSecret');
    expect(all).not.toContain(CLIENT_SECRET);
    expect(all).not.toContain(ROTATED_SECRET);
    expect(all).not.toMatch(/"clientSecret"/);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      for (const table of ['deployment', 'publication']) {
        const { rows } = await pg.query(`SELECT row_to_json(x)::text AS row FROM config.${table} x`);
        const text = rows.map((r) => r.row as string).join('\n');
        expect(text).not.toContain(CLIENT_SECRET);
        expect(text).not.toContain(ROTATED_SECRET);
      }
      const { rows } = await pg.query(`SELECT crm_client_secret FROM config.deployment WHERE name = 'Contoso'`);
      expect(openSecret(decodeSecretKey(api.secretKey), rows[0].crm_client_secret)).toBe(ROTATED_SECRET);
    } finally {
      await pg.end();
    }
  });
});
