import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ConfigStore } from '@mailrouter/messaging';
import { DEFAULT_DEPLOYMENT_TRACKING, PublishedConfigV1 } from '@mailrouter/contracts';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROFILE_PASSWORD = 'profile-Pa55word-7f3a';
const MAILBOX_PASSWORD = 'mailbox-Pa55word-91bc';

const imapProfile = (over: Json = {}) => ({
  name: 'Contoso IMAP', direction: 'incoming', protocol: 'imap', host: 'imap.contoso.test', ...over,
});
const smtpProfile = (over: Json = {}) => ({
  name: 'Contoso SMTP', direction: 'outgoing', protocol: 'smtp', host: 'smtp.contoso.test', security: 'starttls',
  credentials: 'profile', username: 'router@contoso.test', password: PROFILE_PASSWORD, ...over,
});

function fieldsOf(body: Json): string[] {
  return (body.fields as { field: string }[]).map((f) => f.field).sort();
}

describe('config API (HTTP, PostgreSQL, NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  const responses: string[] = [];

  const call = async (method: string, path: string, body?: unknown, expected?: number): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    responses.push(res.text);
    if (expected !== undefined && res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return Object.assign(res.body ?? {}, { __status: res.status }) as Json;
  };
  const strip = (o: Json) => {
    const { __status: _s, ...rest } = o;
    return rest;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix });
  });

  afterAll(async () => {
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('refuses requests without the right token, and leaves /health open', async () => {
    expect((await api.call('GET', '/api/v1/profiles', undefined, null)).status).toBe(401);
    expect((await api.call('GET', '/api/v1/profiles', undefined, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await api.call('POST', '/api/v1/publish', {}, null)).status).toBe(401);
    expect((await api.call('GET', '/health/live', undefined, null)).status).toBe(200);
  });

  describe('profiles', () => {
    it('creates with defaults by protocol and security, reads, lists, updates and deletes', async () => {
      const created = await call('POST', '/api/v1/profiles', imapProfile({ password: PROFILE_PASSWORD }), 201);
      expect(strip(created)).toMatchObject({
        name: 'Contoso IMAP', direction: 'incoming', protocol: 'imap', port: 993, security: 'tls', auth: { type: 'basic' },
        credentials: 'mailbox', hasPassword: true, pollIntervalSeconds: 60, maxConnections: 4, allowInvalidCertificates: false,
      });
      expect(created).not.toHaveProperty('password');
      expect(created.warnings).toEqual([]);
      const lax = await call('PATCH', `/api/v1/profiles/${created.id}`, { allowInvalidCertificates: true }, 200);
      expect(lax.warnings).toEqual([expect.stringMatching(/^certificate verification is off/)]);
      await call('PATCH', `/api/v1/profiles/${created.id}`, { allowInvalidCertificates: false }, 200);
      expect(await call('GET', `/api/v1/profiles/${created.id}`, undefined, 200)).toMatchObject({ id: created.id, port: 993 });
      const list = await api.call<Json[]>('GET', '/api/v1/profiles');
      expect(Array.isArray(list.body)).toBe(true);
      expect(list.body.map((p) => p.id)).toContain(created.id);

      const patched = await call('PATCH', `/api/v1/profiles/${created.id}`, { security: 'none', pollIntervalSeconds: 5 }, 200);
      expect(patched).toMatchObject({ port: 143, security: 'none', pollIntervalSeconds: 5, hasPassword: true, host: 'imap.contoso.test' });
      expect(patched.warnings).toEqual([expect.stringMatching(/^no TLS/)]);
      const cleared = await call('PATCH', `/api/v1/profiles/${created.id}`, { password: null }, 200);
      expect(cleared.hasPassword).toBe(false);

      const smtp = await call('POST', '/api/v1/profiles', smtpProfile({ name: 'temp smtp', security: 'tls' }), 201);
      expect(smtp).toMatchObject({ port: 465, hasPassword: true, username: 'router@contoso.test' });
      expect(smtp).not.toHaveProperty('pollIntervalSeconds');
      expect((await call('DELETE', `/api/v1/profiles/${smtp.id}`)).__status).toBe(204);
      expect((await call('GET', `/api/v1/profiles/${smtp.id}`)).__status).toBe(404);
    });

    it('answers 400 naming each bad field', async () => {
      const mismatch = await call('POST', '/api/v1/profiles', imapProfile({ name: 'x', protocol: 'smtp' }), 400);
      expect(fieldsOf(mismatch)).toEqual(['protocol']);
      expect(mismatch).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const out = await call('POST', '/api/v1/profiles', smtpProfile({ name: 'y', protocol: 'pop3' }), 400);
      expect(fieldsOf(out)).toEqual(['protocol']);
      const creds = await call('POST', '/api/v1/profiles', imapProfile({ name: 'z', credentials: 'profile' }), 400);
      expect(fieldsOf(creds)).toEqual(['password', 'username']);
      const shape = await call('POST', '/api/v1/profiles', { direction: 'sideways', protocol: 'imap', host: 'h', port: 70000 }, 400);
      expect(fieldsOf(shape)).toEqual(['direction', 'name', 'port']);
      const interval = await call('POST', '/api/v1/profiles', imapProfile({ name: 'w', pollIntervalSeconds: 0 }), 400);
      expect(fieldsOf(interval)).toEqual(['pollIntervalSeconds']);
    });

    it('answers 404 for an unknown id and 409 for a duplicate name', async () => {
      expect((await call('GET', '/api/v1/profiles/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f')).__status).toBe(404);
      expect((await call('GET', '/api/v1/profiles/not-an-id')).__status).toBe(404);
      expect((await call('PATCH', '/api/v1/profiles/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f', { host: 'x' })).__status).toBe(404);
      expect((await call('DELETE', '/api/v1/profiles/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f')).__status).toBe(404);
      await call('POST', '/api/v1/profiles', imapProfile({ name: 'dup' }), 201);
      expect((await call('POST', '/api/v1/profiles', imapProfile({ name: 'dup' }))).__status).toBe(409);
    });
  });

  describe('deployments and mailboxes', () => {
    let imap: Json;
    let smtp: Json;
    let deployment: Json;

    beforeAll(async () => {
      imap = await call('POST', '/api/v1/profiles', imapProfile({ name: 'dm imap', security: 'starttls', port: 10143 }), 201);
      smtp = await call('POST', '/api/v1/profiles', smtpProfile({ name: 'dm smtp' }), 201);
    });

    it('checks the profiles a deployment names, and its name', async () => {
      const wrong = await call('POST', '/api/v1/deployments', { name: 'D', incomingProfileId: smtp.id, outgoingProfileId: imap.id }, 400);
      expect(fieldsOf(wrong)).toEqual(['incomingProfileId', 'outgoingProfileId']);
      const missing = await call('POST', '/api/v1/deployments', { name: 'D', incomingProfileId: '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f' }, 400);
      expect(fieldsOf(missing)).toEqual(['incomingProfileId']);
      expect(fieldsOf(await call('POST', '/api/v1/deployments', { crm: { type: 'salesforce' } }, 400))).toEqual(['crm.type', 'name']);
      deployment = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id }, 201);
      expect(strip(deployment)).toMatchObject({ name: 'Contoso', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id });
      expect((await call('POST', '/api/v1/deployments', { name: 'Contoso' })).__status).toBe(409);
      const renamed = await call('PATCH', `/api/v1/deployments/${deployment.id}`, { name: 'Contoso Ltd' }, 200);
      expect(renamed).toMatchObject({ name: 'Contoso Ltd', incomingProfileId: imap.id });
      expect(fieldsOf(await call('PATCH', `/api/v1/deployments/${deployment.id}`, { outgoingProfileId: imap.id }, 400))).toEqual(['outgoingProfileId']);
      expect((await api.call<Json[]>('GET', '/api/v1/deployments')).body.map((d) => d.id)).toContain(deployment.id);
      expect((await call('GET', '/api/v1/deployments/6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f')).__status).toBe(404);
    });

    it('keeps mailboxes with defaults, unique addresses per deployment, and a not-run test', async () => {
      const alice = await call('POST', '/api/v1/mailboxes', {
        deploymentId: deployment.id, kind: 'user', address: 'Alice@Contoso.test', crmId: 'u-1', password: MAILBOX_PASSWORD,
      }, 201);
      expect(strip(alice)).toMatchObject({
        deploymentId: deployment.id, kind: 'user', address: 'alice@contoso.test', crmId: 'u-1', hasPassword: true,
        deleteAfterProcessing: false, enabled: true, incomingProfileId: null, outgoingProfileId: null,
        test: { incoming: { status: 'not-run', testedAt: null }, outgoing: { status: 'not-run', testedAt: null } },
      });
      expect(alice).not.toHaveProperty('password');
      expect((await call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: 'ALICE@contoso.test' })).__status).toBe(409);
      const bad = await call('POST', '/api/v1/mailboxes', { deploymentId: 'nope', kind: 'robot', address: 'not an address' }, 400);
      expect(fieldsOf(bad)).toEqual(['address', 'deploymentId', 'kind']);
      const unknownDeployment = await call('POST', '/api/v1/mailboxes',
        { deploymentId: '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f', kind: 'queue', address: 'q@contoso.test', incomingProfileId: smtp.id }, 400);
      expect(fieldsOf(unknownDeployment)).toEqual(['deploymentId', 'incomingProfileId']);

      const other = await call('POST', '/api/v1/deployments', { name: 'Fabrikam' }, 201);
      const queue = await call('POST', '/api/v1/mailboxes', { deploymentId: other.id, kind: 'queue', address: 'alice@contoso.test', deleteAfterProcessing: true, enabled: false }, 201);
      expect(queue).toMatchObject({ deleteAfterProcessing: true, enabled: false, hasPassword: false });
      const onlyOther = await api.call<Json[]>('GET', `/api/v1/mailboxes?deploymentId=${other.id}`);
      expect(onlyOther.body.map((m) => m.id)).toEqual([queue.id]);
      expect((await api.call<Json[]>('GET', '/api/v1/mailboxes')).body.length).toBeGreaterThanOrEqual(2);
      expect(fieldsOf(await call('GET', '/api/v1/mailboxes?deploymentId=nope', undefined, 400))).toEqual(['deploymentId']);

      const patched = await call('PATCH', `/api/v1/mailboxes/${alice.id}`, { username: 'CONTOSO\\alice', incomingProfileId: imap.id }, 200);
      expect(patched).toMatchObject({ username: 'CONTOSO\\alice', incomingProfileId: imap.id, hasPassword: true, address: 'alice@contoso.test' });
      expect(fieldsOf(await call('PATCH', `/api/v1/mailboxes/${alice.id}`, { outgoingProfileId: imap.id }, 400))).toEqual(['outgoingProfileId']);
      expect((await call('GET', `/api/v1/mailboxes/${alice.id}`)).username).toBe('CONTOSO\\alice');

      expect((await call('DELETE', `/api/v1/deployments/${other.id}`)).__status).toBe(409);
      expect((await call('DELETE', `/api/v1/profiles/${imap.id}`)).__status).toBe(409);
      expect((await call('PATCH', `/api/v1/profiles/${imap.id}`, { direction: 'outgoing', protocol: 'smtp' })).__status).toBe(409);
      expect((await call('DELETE', `/api/v1/mailboxes/${queue.id}`)).__status).toBe(204);
      expect((await call('GET', `/api/v1/mailboxes/${queue.id}`)).__status).toBe(404);
      expect((await call('DELETE', `/api/v1/deployments/${other.id}`)).__status).toBe(204);
    });

    it('publishes numbered versions to the key-value bucket with sealed passwords that open', async () => {
      const bob = await call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: 'bob@contoso.test', crmId: 'u-2' }, 201);
      const first = await call('POST', '/api/v1/publish', { comment: 'first' }, 201);
      const second = await call('POST', '/api/v1/publish', undefined, 201);
      expect(first.version + 1).toBe(second.version);
      expect(strip(second)).toEqual({ version: second.version, publishedAt: expect.any(String), comment: null, mailboxes: 2 });

      const store = api.app.get(ConfigStore);
      const current = await store.read();
      expect(current?.version).toBe(second.version);
      expect((await store.read(`version.${first.version}`))?.comment).toBe('first');
      const cfg = PublishedConfigV1.parse(current);
      expect(cfg.deployments).toEqual([{
        id: deployment.id, name: 'Contoso Ltd', crm: { type: 'builtin' }, tracking: DEFAULT_DEPLOYMENT_TRACKING,
        incomingProfileId: imap.id, outgoingProfileId: smtp.id,
      }]);
      const key = decodeSecretKey(api.secretKey);
      const alice = cfg.mailboxes.find((m) => m.address === 'alice@contoso.test')!;
      expect(alice).toMatchObject({ crmId: 'u-1', kind: 'user', enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 60 });
      expect(alice.incoming).toMatchObject({ profileId: imap.id, protocol: 'imap', host: 'imap.contoso.test', port: 10143, security: 'starttls', auth: { type: 'basic', username: 'CONTOSO\\alice' } });
      expect(openSecret(key, alice.incoming!.auth.password!)).toBe(MAILBOX_PASSWORD);
      expect(alice.outgoing).toMatchObject({ profileId: smtp.id, protocol: 'smtp', port: 587, auth: { username: 'router@contoso.test' } });
      expect(openSecret(key, alice.outgoing!.auth.password!)).toBe(PROFILE_PASSWORD);
      const bobPublished = cfg.mailboxes.find((m) => m.id === bob.id)!;
      expect(bobPublished.incoming?.auth).toEqual({ type: 'basic', username: 'bob@contoso.test' });

      const history = await api.call<Json[]>('GET', '/api/v1/publish');
      expect(history.body.map((h) => h.version)).toEqual([second.version, first.version]);
      expect(history.body[1]).toEqual({ version: first.version, publishedAt: first.publishedAt, comment: 'first', mailboxes: 2 });
      const shown = await call('GET', `/api/v1/publish/${first.version}`, undefined, 200);
      expect(shown).toMatchObject({ schema: 'mailrouter.config.v1', version: first.version, comment: 'first' });
      const shownAlice = (shown.mailboxes as Json[]).find((m) => m.address === 'alice@contoso.test')!;
      expect(shownAlice.incoming.auth).toEqual({ type: 'basic', username: 'CONTOSO\\alice', hasPassword: true });
      expect((await call('GET', '/api/v1/publish/999')).__status).toBe(404);
      expect((await call('GET', '/api/v1/publish/abc')).__status).toBe(404);
    });
  });

  it('never shows a password, nor stores or dumps one in plaintext', async () => {
    const all = [
      ...responses,
      (await api.call('GET', '/api/v1/profiles')).text,
      (await api.call('GET', '/api/v1/mailboxes')).text,
      (await api.call('GET', '/api/v1/publish/1')).text,
    ].join('\n');
    expect(all).toContain('hasPassword');
    expect(all).not.toContain(PROFILE_PASSWORD);
    expect(all).not.toContain(MAILBOX_PASSWORD);
    expect(all).not.toMatch(/"password":\s*[{"]/);

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const tables = ['profile', 'mailbox', 'publication'];
      for (const t of tables) {
        const { rows } = await pg.query(`SELECT row_to_json(x)::text AS row FROM config.${t} x`);
        const text = rows.map((r) => r.row as string).join('\n');
        expect(text).not.toContain(PROFILE_PASSWORD);
        expect(text).not.toContain(MAILBOX_PASSWORD);
      }
      const { rows } = await pg.query(`SELECT password FROM config.mailbox WHERE password IS NOT NULL`);
      expect(rows.length).toBeGreaterThan(0);
      expect(openSecret(decodeSecretKey(api.secretKey), rows[0].password)).toBe(MAILBOX_PASSWORD);
    } finally {
      await pg.end();
    }
    const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', '--schema=config', db.url], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain('alice@contoso.test');
    expect(stdout).not.toContain(PROFILE_PASSWORD);
    expect(stdout).not.toContain(MAILBOX_PASSWORD);
  });
});
