/**
 * Users, roles, tokens and the audit log against the real config API (HTTP, PostgreSQL, NATS).
 * The role checks enumerate the routes from Express's router, so a route added later is
 * checked without touching this file.
 */
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from '../testing/config-api.harness';
import { isOpenRoute, requiredRole, roleAtLeast, Role } from './permissions';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROFILE_PASSWORD = 'profile-Pa55word-aa11';
const MAILBOX_PASSWORD = 'mailbox-Pa55word-bb22';
const GRAPH_SECRET = 'graph-App-Secret-cc33~Q';
const CRM_SECRET = 'dataverse-Client~Secret-dd44';
const PASSWORDS: Record<Role, string> = { admin: 'admin-Passw0rd-long', operator: 'operator-Passw0rd-long', viewer: 'viewer-Passw0rd-long' };
const ANY_ID = '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f';

interface Route { method: string; path: string }

/** Every route Express knows, as `{method, path}` with its pattern (`/api/v1/profiles/:id`). */
function routesOf(api: ConfigApiUnderTest): Route[] {
  const express = api.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  return express.router.stack.flatMap((layer) => (layer.route
    ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => ({ method: m.toUpperCase(), path: layer.route!.path }))
    : []));
}
const fill = (pattern: string) => pattern.replace(/:[A-Za-z]+/g, ANY_ID);

/** Keys that hold a secret (not `hasPassword`), and sealed blobs (`{alg, iv, tag, data}`), anywhere in a JSON value. */
function secretsIn(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretsIn(v, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const o = value as Json;
  if ('alg' in o && 'iv' in o && 'tag' in o) return [`${at} (sealed)`];
  return Object.entries(o).flatMap(([k, v]) => [
    ...(/password|secret|privatekey/i.test(k) && !/^has[A-Z]/.test(k) ? [`${at}.${k}`] : []),
    ...secretsIn(v, `${at}.${k}`),
  ]);
}

describe('users, roles, tokens and audit (HTTP, PostgreSQL, NATS)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let pg: Client;
  let responder: FakeResponder;
  const ids: Record<Role, string> = { admin: '', operator: '', viewer: '' };
  const sessions: Record<Role, string> = { admin: '', operator: '', viewer: '' };

  const as = async (token: string | null, method: string, path: string, body?: unknown) => api.call<Json>(method, path, body, token);
  const ok = async (token: string | null, method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await as(token, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.text}`);
    return res.body;
  };
  const login = (username: string, password: string) => as(null, 'POST', '/api/v1/auth/login', { username, password });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({
      databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix,
      env: { LOGIN_MAX_FAILURES: '3', TEST_ACCESS_TIMEOUT_SECONDS: '1', ROUTER_ADMIN_USER: 'root', ROUTER_ADMIN_PASSWORD: 'bootstrap-Passw0rd' },
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      const user = await ok(api.token, 'POST', '/api/v1/users', { username: `${role}-user`, role, password: PASSWORDS[role] });
      ids[role] = user.id;
      const res = await login(`${role}-user`, PASSWORDS[role]);
      expect(res.status).toBe(200);
      sessions[role] = res.body.token;
    }
  });

  afterAll(async () => {
    await responder?.close();
    await pg?.end();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('creates the first admin from ROUTER_ADMIN_USER / ROUTER_ADMIN_PASSWORD', async () => {
    const res = await login('ROOT', 'bootstrap-Passw0rd');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'root', role: 'admin' });
  });

  it('hashes passwords with scrypt and stores tokens only as SHA-256', async () => {
    const users = await pg.query('SELECT username, password_hash FROM config.app_user');
    for (const u of users.rows) expect(u.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(users.rows)).not.toMatch(/Passw0rd/);
    const tokens = await pg.query("SELECT * FROM config.user_token WHERE kind = 'session'");
    const dump = JSON.stringify(tokens.rows);
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      expect(sessions[role]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(dump).not.toContain(sessions[role]);
      expect(tokens.rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(sessions[role]).digest('hex'));
    }
  });

  it('signs in with a session that expires, answers /me, and signs out', async () => {
    const wrong = await login('viewer-user', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('Wrong username or password');
    expect((await login('nobody', 'whatever-at-all')).status).toBe(401);

    const res = await login('Viewer-User', PASSWORDS.viewer);
    const minutes = (Date.parse(res.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(479);
    expect(minutes).toBeLessThanOrEqual(480);
    expect(await ok(res.body.token, 'GET', '/api/v1/me')).toEqual({ name: 'viewer-user', role: 'viewer', kind: 'session', permissions: ['trace.read', 'status.read'] });
    expect(await ok(api.token, 'GET', '/api/v1/me')).toMatchObject({ name: 'ROUTER_API_TOKEN', role: 'admin', permissions: expect.arrayContaining(['users.manage', 'profiles.write']) });

    await pg.query('UPDATE config.user_token SET expires_at = now() - interval \'1 second\' WHERE token_hash = $1', [createHash('sha256').update(res.body.token).digest('hex')]);
    const expired = await as(res.body.token, 'GET', '/api/v1/profiles');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe('Your session has expired: sign in again');

    const again = (await login('viewer-user', PASSWORDS.viewer)).body.token as string;
    expect(await ok(again, 'POST', '/api/v1/auth/logout')).toEqual({ signedOut: true });
    expect((await as(again, 'GET', '/api/v1/profiles')).status).toBe(401);
    expect((await as(null, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('rate-limits failed sign-ins per username and address with 429 and Retry-After', async () => {
    await ok(api.token, 'POST', '/api/v1/users', { username: 'limited', role: 'viewer', password: 'limited-Passw0rd' });
    for (let i = 0; i < 3; i++) expect((await login('limited', 'wrong-password')).status).toBe(401);
    const res = await fetch(`${api.baseUrl}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'limited', password: 'limited-Passw0rd' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(((await res.json()) as Json).message).toMatch(/^Too many failed sign-ins/);
    expect((await login('operator-user', PASSWORDS.operator)).status).toBe(200);
  });

  it('rate-limits wrong bearer tokens per address', async () => {
    const other = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { TOKEN_MAX_FAILURES: '3' } });
    try {
      for (let i = 0; i < 3; i++) expect((await other.call('GET', '/api/v1/profiles', undefined, `guess-${i}-guess-guess`)).status).toBe(401);
      const res = await fetch(`${other.baseUrl}/api/v1/profiles`, { headers: { authorization: 'Bearer guess-4-guess-guess' } });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('gives a user API tokens shown once, listed without the token, hashed at rest, revocable', async () => {
    const created = await ok(api.token, 'POST', `/api/v1/users/${ids.operator}/tokens`, { name: 'ci', expiresAt: '2099-01-01T00:00:00Z' });
    expect(created).toMatchObject({ name: 'ci', expiresAt: '2099-01-01T00:00:00.000Z', token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(await ok(created.token, 'GET', '/api/v1/me')).toMatchObject({ name: 'operator-user', role: 'operator', kind: 'api' });
    const listed = await ok(api.token, 'GET', `/api/v1/users/${ids.operator}/tokens`) as unknown as Json[];
    expect(listed).toEqual([{ id: created.id, name: 'ci', createdAt: expect.any(String), expiresAt: '2099-01-01T00:00:00.000Z', lastUsedAt: expect.any(String) }]);
    const rows = await pg.query('SELECT * FROM config.user_token WHERE id = $1', [created.id]);
    expect(JSON.stringify(rows.rows)).not.toContain(created.token);
    expect(rows.rows[0].token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    const past = await as(api.token, 'POST', `/api/v1/users/${ids.operator}/tokens`, { name: 'old', expiresAt: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect((await as(api.token, 'DELETE', `/api/v1/users/${ids.operator}/tokens/${created.id}`)).status).toBe(204);
    expect((await as(created.token, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('refuses a viewer every mutating route (403 naming the role), and operators what is not theirs — enumerated from the router', async () => {
    const routes = routesOf(api).filter((r) => !isOpenRoute(r.path));
    const mutating = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.path !== '/api/v1/auth/logout');
    // The enumeration really sees the API (a broken one would make this test vacuous).
    expect(mutating.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining([
      'POST /api/v1/profiles', 'PATCH /api/v1/profiles/:id', 'DELETE /api/v1/mailboxes/:id', 'POST /api/v1/publish',
      'POST /api/v1/mailboxes/:id/test-access', 'POST /api/v1/users/:id/tokens',
    ]));
    expect(mutating.length).toBeGreaterThanOrEqual(17);
    for (const r of mutating) {
      const res = await as(sessions.viewer, r.method, fill(r.path), {});
      expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 403]);
      expect(res.body.message).toMatch(new RegExp(`needs the (operator|admin) role; viewer-user is viewer$`));
    }
    // (Not the logout: it would end the operator's session.)
    for (const r of routes.filter((x) => x.path !== '/api/v1/auth/logout')) {
      const needed = requiredRole(r.method, r.path);
      const res = await as(sessions.operator, r.method, fill(r.path), r.method === 'GET' || r.method === 'HEAD' ? undefined : {});
      if (roleAtLeast('operator', needed)) expect([r.method, r.path, res.status]).not.toEqual([r.method, r.path, 403]);
      else expect([r.method, r.path, res.status, res.body.requiredRole]).toEqual([r.method, r.path, 403, 'admin']);
    }
    const audit = await as(sessions.viewer, 'GET', '/api/v1/audit');
    expect(audit.status).toBe(403);
  });

  it('shows a viewer no secret (plain or sealed) in any profile, deployment, mailbox or publish view', async () => {
    const admin = sessions.admin;
    const imap = await ok(admin, 'POST', '/api/v1/profiles', {
      name: 'imap', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none', credentials: 'profile', username: 'router', password: PROFILE_PASSWORD,
    });
    const smtp = await ok(admin, 'POST', '/api/v1/profiles', {
      name: 'smtp', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: 2525, security: 'none', auth: { type: 'none' },
    });
    await ok(admin, 'POST', '/api/v1/profiles', {
      name: 'graph', direction: 'outgoing', protocol: 'graph', graph: { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6', clientSecret: GRAPH_SECRET },
    });
    const deployment = await ok(admin, 'POST', '/api/v1/deployments', {
      name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id,
      crm: { type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: CRM_SECRET },
    });
    const mailbox = await ok(admin, 'POST', '/api/v1/mailboxes', {
      deploymentId: deployment.id, kind: 'user', address: 'alice@contoso.test', username: 'alice', password: MAILBOX_PASSWORD,
    });
    const published = await ok(sessions.operator, 'POST', '/api/v1/publish', { comment: 'by the operator' });
    // (The operator's walk over the routes above published once already.)
    expect(published.version).toBeGreaterThanOrEqual(1);

    const paths = (await ok(sessions.viewer, 'GET', '/api/v1/profiles') as unknown as Json[]).map((p) => `/api/v1/profiles/${p.id}`);
    expect(paths).toHaveLength(3);
    paths.push('/api/v1/profiles', '/api/v1/deployments', `/api/v1/deployments/${deployment.id}`, `/api/v1/mailboxes?deploymentId=${deployment.id}`,
      `/api/v1/mailboxes/${mailbox.id}`, '/api/v1/publish', `/api/v1/publish/${published.version}`, '/api/v1/publish/diff');
    for (const path of paths) {
      const res = await as(sessions.viewer, 'GET', path);
      expect([path, res.status]).toEqual([path, 200]);
      expect([path, secretsIn(res.body)]).toEqual([path, []]);
      for (const secret of [PROFILE_PASSWORD, MAILBOX_PASSWORD, GRAPH_SECRET, CRM_SECRET]) expect(res.text).not.toContain(secret);
    }
    // The published snapshot has the mailbox's (sealed) password; the viewer's copy says only that it has one.
    const snapshot = await ok(sessions.viewer, 'GET', `/api/v1/publish/${published.version}`);
    expect(snapshot.mailboxes[0].incoming.auth).toMatchObject({ hasPassword: true });
  });

  it('lets an operator test access and publish, not edit a profile; the audit log records changes with secrets masked', async () => {
    const [mailbox] = await ok(sessions.operator, 'GET', '/api/v1/mailboxes') as unknown as Json[];
    const [profile] = (await ok(sessions.operator, 'GET', '/api/v1/profiles') as unknown as Json[]).filter((p) => p.name === 'imap');
    await responder.answer('incomingTestAccess', () => ({ response: { status: 'success', message: 'IMAP login ok' } }));
    const tested = await ok(sessions.operator, 'POST', `/api/v1/mailboxes/${mailbox.id}/test-access`);
    expect(tested.incoming).toMatchObject({ status: 'success', message: 'IMAP login ok' });
    expect((await as(sessions.operator, 'POST', '/api/v1/publish', {})).status).toBe(201);
    const refused = await as(sessions.operator, 'PATCH', `/api/v1/profiles/${profile.id}`, { pollIntervalSeconds: 5 });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(`PATCH /api/v1/profiles/${profile.id} needs the admin role; operator-user is operator`);

    const NEW_PASSWORD = 'rotated-Pa55word-ee55';
    await ok(sessions.admin, 'PATCH', `/api/v1/profiles/${profile.id}`, { password: NEW_PASSWORD, pollIntervalSeconds: 7 });
    const events = await ok(sessions.operator, 'GET', '/api/v1/audit?limit=50') as unknown as Json[];
    expect(events[0]).toMatchObject({
      method: 'PATCH', path: `/api/v1/profiles/${profile.id}`, principal: { name: 'admin-user', role: 'admin' }, status: 200,
      targetId: profile.id, body: { password: '***', pollIntervalSeconds: 7 },
    });
    expect(events.map((e) => `${e.principal.name} ${e.method} ${e.path} ${e.status}`)).toEqual(expect.arrayContaining([
      `operator-user POST /api/v1/mailboxes/${mailbox.id}/test-access 200`, 'operator-user POST /api/v1/publish 201',
      'admin-user POST /api/v1/auth/login 200',
    ]));
    // Refused and read requests are not changes.
    expect(events.some((e) => e.method === 'GET' || e.status >= 400)).toBe(false);
    const signIn = events.find((e) => e.path === '/api/v1/auth/login');
    expect(signIn?.body).toEqual({ username: expect.any(String), password: '***' });
    const creation = events.find((e) => e.method === 'POST' && e.path === '/api/v1/profiles' && e.body.name === 'imap');
    expect(creation).toMatchObject({ status: 201, targetId: profile.id, body: { password: '***' } });
    const raw = JSON.stringify((await pg.query('SELECT * FROM config.audit_event')).rows);
    for (const secret of [NEW_PASSWORD, PROFILE_PASSWORD, MAILBOX_PASSWORD, GRAPH_SECRET, CRM_SECRET, ...Object.values(PASSWORDS)]) expect(raw).not.toContain(secret);
    const since = await ok(sessions.admin, 'GET', `/api/v1/audit?since=${encodeURIComponent(events[0].at)}`) as unknown as Json[];
    expect(since.map((e) => e.id)).toEqual([events[0].id]);
  });

  it('lets only an admin manage users: disable ends sessions, the last word is the admin\'s', async () => {
    expect((await as(sessions.operator, 'GET', '/api/v1/users')).status).toBe(403);
    const bad = await as(sessions.admin, 'POST', '/api/v1/users', { username: 'x y', role: 'root', password: 'short' });
    expect(bad.body.fields.map((f: Json) => f.field).sort()).toEqual(['password', 'role', 'username']);
    expect((await as(sessions.admin, 'POST', '/api/v1/users', { username: 'VIEWER-user', role: 'viewer', password: 'another-Passw0rd' })).status).toBe(409);
    const viewerSession = (await login('viewer-user', PASSWORDS.viewer)).body.token as string;
    expect(await ok(sessions.admin, 'PATCH', `/api/v1/users/${ids.viewer}`, { disabled: true })).toMatchObject({ disabled: true });
    expect((await as(viewerSession, 'GET', '/api/v1/profiles')).status).toBe(401);
    expect((await login('viewer-user', PASSWORDS.viewer)).status).toBe(401);
    expect((await as(sessions.admin, 'PATCH', `/api/v1/users/${ids.admin}`, { role: 'viewer' })).status).toBe(409);
    expect((await as(sessions.admin, 'DELETE', `/api/v1/users/${ids.viewer}`)).status).toBe(204);
    expect((await ok(sessions.admin, 'GET', '/api/v1/users') as unknown as Json[]).map((u) => u.username).sort()).toEqual(['admin-user', 'limited', 'operator-user', 'root']);
  });
});
