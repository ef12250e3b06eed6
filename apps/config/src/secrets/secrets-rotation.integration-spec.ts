/**
 * Key rotation through the real config API (HTTP, PostgreSQL, NATS): every kind of stored
 * secret sealed under key A, config restarted with B current and A previous, rotate → every
 * value sealed under B opens (with B alone) to its plaintext; published snapshots too; the
 * status says when A may go; admin only; a value no key opens stops the rotation, changing nothing.
 */
import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { openSecret, sealSecret, SecretKeyring } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, startConfigApi } from '../testing/config-api.harness';
import { isSealedSecret, mapSealedSecrets } from './sealed-values';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const ONLY_B = new SecretKeyring({ key: KEY_B, id: 'key-b' });
const PLAINTEXTS = {
  smtp: 'smtp-Profile-Pa55-71c2',
  graphSecret: 'graph-App-Secret-4e1f~Q',
  graphKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  dataverse: 'dataverse-Client~Secret-9b03',
  alice: 'alice-Mailbox-Pa55-02d9',
  legacy: 'legacy-Mailbox-Pa55-66aa',
};
/** Every sealed column the rotation must cover, and which plaintext the test stored in it. */
const COLUMNS: Array<[table: string, column: string]> = [
  ['profile', 'password'], ['profile', 'graph_client_secret'], ['profile', 'graph_private_key'],
  ['mailbox', 'password'], ['deployment', 'crm_client_secret'],
];

/** As values were sealed before key ids existed (no kid, no AAD). */
function legacySeal(key: Buffer, plaintext: string): SealedSecretV1 {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

describe('secret key rotation (config API, PostgreSQL, NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let pg: Client;
  let api: ConfigApiUnderTest | undefined;
  const ids: Json = {};

  const start = async (env: Record<string, string>) => {
    await api?.close();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env });
  };
  const call = async (method: string, path: string, body?: unknown, expected = 200, token?: string): Promise<Json> => {
    const res = await api!.call<Json>(method, path, body, token);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };
  /** Every sealed value in the five columns, with the row it sits in. */
  const storedValues = async (): Promise<Array<{ where: string; value: SealedSecretV1 }>> => {
    const out: Array<{ where: string; value: SealedSecretV1 }> = [];
    for (const [table, column] of COLUMNS) {
      const rows = await pg.query(`SELECT id, ${column} AS v FROM config.${table} WHERE ${column} IS NOT NULL`);
      for (const r of rows.rows) out.push({ where: `${table}.${column} ${r.id}`, value: r.v });
    }
    return out;
  };
  const publishedValues = async (): Promise<SealedSecretV1[]> => {
    const found: SealedSecretV1[] = [];
    for (const r of (await pg.query('SELECT snapshot FROM config.publication ORDER BY version')).rows) {
      mapSealedSecrets(r.snapshot, (s) => (found.push(s), s));
    }
    return found;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // Before: one key, named key-a.
    await start({ ROUTER_SECRET_KEY: KEY_A.toString('base64'), ROUTER_SECRET_KEY_ID: 'key-a' });
    const smtp = await call('POST', '/api/v1/profiles', {
      name: 'SMTP', direction: 'outgoing', protocol: 'smtp', host: 'smtp.contoso.test', security: 'starttls',
      credentials: 'profile', username: 'router@contoso.test', password: PLAINTEXTS.smtp,
    }, 201);
    const graph = await call('POST', '/api/v1/profiles', {
      name: 'Graph', direction: 'outgoing', protocol: 'graph', sendAccess: 'on-behalf', sendingAccount: 'crm@contoso.test',
      graph: { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6', clientSecret: PLAINTEXTS.graphSecret },
    }, 201);
    const graphCert = await call('POST', '/api/v1/profiles', {
      name: 'Graph by certificate', direction: 'incoming', protocol: 'graph',
      graph: { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6', certificate: { thumbprint: '3A:7F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23', privateKey: PLAINTEXTS.graphKey } },
    }, 201);
    const imap = await call('POST', '/api/v1/profiles', { name: 'IMAP', direction: 'incoming', protocol: 'imap', host: 'imap.contoso.test' }, 201);
    const dep = await call('POST', '/api/v1/deployments', {
      name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id,
      crm: { type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 't-1', clientId: 'c-1', clientSecret: PLAINTEXTS.dataverse },
    }, 201);
    const alice = await call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', address: 'alice@contoso.test', password: PLAINTEXTS.alice }, 201);
    const legacy = await call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', address: 'legacy@contoso.test', password: 'replaced below' }, 201);
    // A password stored by a router from before key ids: no kid, no AAD.
    await pg.query('UPDATE config.mailbox SET password = $1 WHERE id = $2', [JSON.stringify(legacySeal(KEY_A, PLAINTEXTS.legacy)), legacy.id]);
    Object.assign(ids, { smtp: smtp.id, graph: graph.id, graphCert: graphCert.id, dep: dep.id, alice: alice.id, legacy: legacy.id });
    await call('POST', '/api/v1/publish', { comment: 'under key A' }, 201);
    await call('POST', '/api/v1/users', { username: 'op-user', role: 'operator', password: 'operator-Passw0rd' }, 201);
  });

  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('with B current and A previous: status counts what A still seals; an operator may not rotate', async () => {
    await start({ ROUTER_SECRET_KEY: KEY_B.toString('hex'), ROUTER_SECRET_KEY_ID: 'key-b', ROUTER_SECRET_KEYS_PREVIOUS: `key-a:${KEY_A.toString('base64')}` });
    const stored = await storedValues();
    expect(stored).toHaveLength(6);
    const status = await call('GET', '/api/v1/secrets/status');
    expect(status).toMatchObject({
      currentKid: 'key-b', previousKids: ['key-a'],
      stored: { total: 6, byKid: { 'key-a': 6 }, withoutKid: 1, unopenable: {} },
      running: { version: 1, byKid: { 'key-a': 5 } },
      stillNeeded: ['key-a'], removable: [],
    });
    expect(JSON.stringify(status)).not.toMatch(/Pa55|Secret|PRIVATE KEY/);
    const op = await call('POST', '/api/v1/auth/login', { username: 'op-user', password: 'operator-Passw0rd' });
    const refused = await api!.call<Json>('POST', '/api/v1/secrets/rotate', {}, op.token);
    expect(refused.status).toBe(403);
    expect((await storedValues()).every((v) => v.value.kid !== 'key-b')).toBe(true);
  });

  it('rotate re-seals every stored and published secret under B, each opening with B alone to its plaintext; audited without values', async () => {
    const before = await publishedValues();
    const rotation = await call('POST', '/api/v1/secrets/rotate', {});
    expect(rotation).toMatchObject({
      currentKid: 'key-b', resealed: 6, alreadyCurrent: 0, byKid: { 'key-a': 6 },
      publications: { resealed: before.length, alreadyCurrent: 0, byKid: { 'key-a': before.length } },
    });
    const stored = await storedValues();
    expect(stored.map((v) => v.value.kid)).toEqual(Array(6).fill('key-b'));
    const opened = Object.fromEntries(stored.map((v) => [v.where, openSecret(ONLY_B, v.value)]));
    expect(opened).toEqual({
      [`profile.password ${ids.smtp}`]: PLAINTEXTS.smtp,
      [`profile.graph_client_secret ${ids.graph}`]: PLAINTEXTS.graphSecret,
      [`profile.graph_private_key ${ids.graphCert}`]: PLAINTEXTS.graphKey,
      [`mailbox.password ${ids.alice}`]: PLAINTEXTS.alice,
      [`mailbox.password ${ids.legacy}`]: PLAINTEXTS.legacy,
      [`deployment.crm_client_secret ${ids.dep}`]: PLAINTEXTS.dataverse,
    });
    const published = await publishedValues();
    expect(published.map((s) => s.kid)).toEqual(Array(before.length).fill('key-b'));
    expect(published.map((s) => openSecret(ONLY_B, s)).sort()).toEqual(before.map((s) => openSecret(new SecretKeyring({ key: KEY_A, id: 'key-a' }), s)).sort());

    const audit = await pg.query("SELECT * FROM config.audit_event WHERE path = '/api/v1/secrets/rotate'");
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ method: 'POST', status: 200 });
    expect(JSON.stringify(audit.rows)).not.toMatch(/Pa55|Secret~|PRIVATE KEY/);

    // Idempotent: a second rotation finds everything current.
    const again = await call('POST', '/api/v1/secrets/rotate', {});
    expect(again).toMatchObject({ resealed: 0, alreadyCurrent: 6, byKid: { 'key-b': 6 }, publications: { resealed: 0, alreadyCurrent: before.length } });
    console.log(`secrets rotation: ${rotation.resealed} stored values re-sealed (byKid ${JSON.stringify(rotation.byKid)}), `
      + `${rotation.publications.resealed} in published snapshots; second run ${again.resealed} re-sealed, ${again.alreadyCurrent} already current`);
  });

  it('status keeps A needed until the services run a version published after the rotation', async () => {
    const beforePublish = await call('GET', '/api/v1/secrets/status');
    expect(beforePublish).toMatchObject({ stored: { byKid: { 'key-b': 6 }, withoutKid: 0 }, running: { version: 1, byKid: { 'key-a': 5 } }, stillNeeded: ['key-a'] });
    await call('POST', '/api/v1/publish', { comment: 'after rotation' }, 201);
    const after = await call('GET', '/api/v1/secrets/status');
    expect(after).toMatchObject({ running: { version: 2, byKid: { 'key-b': 5 } }, stillNeeded: [], removable: ['key-a'] });
    console.log(`secrets status: before publish stillNeeded=${JSON.stringify(beforePublish.stillNeeded)}, after publish removable=${JSON.stringify(after.removable)}`);
  });

  it('a value no key opens stops the rotation with its key id named, and nothing changes', async () => {
    const alien = sealSecret(new SecretKeyring({ key: randomBytes(32), id: 'key-c' }), 'alien');
    await pg.query('UPDATE config.mailbox SET password = $1 WHERE id = $2', [JSON.stringify(legacySeal(KEY_A, PLAINTEXTS.legacy)), ids.legacy]);
    await pg.query('UPDATE config.mailbox SET password = $1 WHERE id = $2', [JSON.stringify(alien), ids.alice]);
    const before = await storedValues();
    const res = await api!.call<Json>('POST', '/api/v1/secrets/rotate', {});
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(new RegExp(`rotation not done, nothing changed: mailbox ${ids.alice} password: .*key id 'key-c'.*not in the keyring`));
    expect(res.text).not.toContain(KEY_A.toString('base64'));
    expect(await storedValues()).toEqual(before);
    const status = await call('GET', '/api/v1/secrets/status');
    expect(status.stored).toMatchObject({ unopenable: { 'key-c': 1 }, withoutKid: 1, byKid: { 'key-a': 1, 'key-b': 4 } });
    // The legacy value under A still needs A: the status must not call it removable.
    expect(status).toMatchObject({ stillNeeded: ['key-a'], removable: [] });
    expect(before.filter((v) => isSealedSecret(v.value))).toHaveLength(6);
  });
});
