import { generateKeyPairSync } from 'node:crypto';
import { Client } from 'pg';
import type { TestAccessRequestV1 } from '@mailrouter/contracts';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EWS_PASSWORD = 'ews-Svc-Pa55-0c1d';
const GRAPH_SECRET = 'graph-App-Secret-77aa~Q';
const MAILBOX_PASSWORD = 'bob-Mailbox-Pa55-3e4f';
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const THUMBPRINT = '3A:7F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23';
const APP = { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6' };

const ewsProfile = (over: Json = {}) => ({
  name: 'Exchange 2019', direction: 'incoming', protocol: 'ews',
  ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx', mailboxAccess: 'delegate' },
  auth: { type: 'ntlm', domain: 'CONTOSO' }, credentials: 'profile', username: 'svc-router', password: EWS_PASSWORD,
  processedFolder: 'CRM/Processed', ...over,
});
const graphProfile = (over: Json = {}) => ({
  name: 'Microsoft 365 out', direction: 'outgoing', protocol: 'graph',
  graph: { ...APP, clientSecret: GRAPH_SECRET }, sendAccess: 'on-behalf', sendingAccount: 'CRM-Router@Contoso.com', ...over,
});

function fieldsOf(body: Json): string[] {
  return (body.fields as { field: string }[]).map((f) => f.field).sort();
}

describe('Exchange (EWS) and Microsoft 365 (Graph) profiles through the config API', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  const responses: string[] = [];

  const call = async (method: string, path: string, body?: unknown, expected = 200): Promise<Json> => {
    const res = await api.call<Json>(method, path, body);
    responses.push(res.text);
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { TEST_ACCESS_TIMEOUT_SECONDS: '1' } });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('creates an EWS profile from its URL (no host needed), shows its settings without the password, switches to Autodiscover', async () => {
    const created = await call('POST', '/api/v1/profiles', ewsProfile(), 201);
    expect(created).toMatchObject({
      protocol: 'ews', host: 'mail.contoso.com', port: 443, security: 'tls', auth: { type: 'ntlm', domain: 'CONTOSO' },
      credentials: 'profile', username: 'svc-router', hasPassword: true, processedFolder: 'CRM/Processed',
      ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx', autodiscover: false, autodiscoverUrl: null, mailboxAccess: 'delegate' },
    });
    expect(created).not.toHaveProperty('manageSievePort');
    expect(created).not.toHaveProperty('sendAccess');
    expect(await call('GET', `/api/v1/profiles/${created.id}`)).toEqual(created);

    const auto = await call('PATCH', `/api/v1/profiles/${created.id}`, {
      ews: { autodiscover: true, autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc', mailboxAccess: null },
    });
    expect(auto).toMatchObject({
      host: null, port: 443, hasPassword: true,
      ews: { url: null, autodiscover: true, autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc', mailboxAccess: 'impersonation' },
    });
    const own = await call('PATCH', `/api/v1/profiles/${created.id}`, { credentials: 'mailbox', username: null, password: null, auth: { type: 'basic' } });
    expect(own).toMatchObject({ credentials: 'mailbox', auth: { type: 'basic' }, hasPassword: false });
    expect(own.ews).not.toHaveProperty('mailboxAccess');
    expect(own.auth).not.toHaveProperty('domain');
  });

  it('creates a Graph profile with a write-only client secret, then switches to a certificate', async () => {
    const created = await call('POST', '/api/v1/profiles', graphProfile(), 201);
    expect(created).toMatchObject({
      protocol: 'graph', host: 'graph.microsoft.com', port: 443, auth: { type: 'oauth2' }, credentials: 'profile', hasPassword: false,
      graph: { ...APP, hasClientSecret: true, certificate: null, authority: null, baseUrl: null },
      sendAccess: 'on-behalf', sendingAccount: 'crm-router@contoso.com',
    });
    expect(JSON.stringify(created)).not.toContain(GRAPH_SECRET);

    const both = await api.call<Json>('PATCH', `/api/v1/profiles/${created.id}`, { graph: { certificate: { thumbprint: THUMBPRINT, privateKey: PRIVATE_KEY } } });
    expect(both.status).toBe(400);
    expect(fieldsOf(both.body)).toEqual(['graph.certificate']);
    const cert = await call('PATCH', `/api/v1/profiles/${created.id}`, {
      graph: { clientSecret: null, certificate: { thumbprint: THUMBPRINT, privateKey: PRIVATE_KEY }, baseUrl: 'http://127.0.0.1:5199/v1.0' },
    });
    expect(cert.graph).toEqual({
      ...APP, hasClientSecret: false, certificate: { thumbprint: THUMBPRINT.replace(/:/g, ''), hasPrivateKey: true },
      authority: null, baseUrl: 'http://127.0.0.1:5199/v1.0',
    });
    expect(cert).toMatchObject({ host: '127.0.0.1', port: 5199, security: 'none' });
    // A new thumbprint alone keeps the stored key.
    const renamed = await call('PATCH', `/api/v1/profiles/${created.id}`, { graph: { certificate: { thumbprint: 'ab'.repeat(20) } } });
    expect(renamed.graph.certificate).toEqual({ thumbprint: 'AB'.repeat(20), hasPrivateKey: true });

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const { rows } = await pg.query('SELECT graph, graph_client_secret, graph_private_key, row_to_json(p)::text AS row FROM config.profile p WHERE id = $1', [created.id]);
      expect(rows[0].graph_client_secret).toBeNull();
      expect(openSecret(decodeSecretKey(api.secretKey), rows[0].graph_private_key)).toBe(PRIVATE_KEY);
      expect(rows[0].row).not.toContain('PRIVATE KEY');
    } finally {
      await pg.end();
    }
  });

  it('answers 400 naming each field of an invalid Exchange or Graph profile', async () => {
    const bad = async (body: Json) => {
      const res = await api.call<Json>('POST', '/api/v1/profiles', body);
      expect(res.status).toBe(400);
      return fieldsOf(res.body);
    };
    expect(await bad({ name: 'g1', direction: 'incoming', protocol: 'graph' })).toEqual(['graph.clientId', 'graph.clientSecret', 'graph.tenantId']);
    expect(await bad({ name: 'g2', direction: 'incoming', protocol: 'graph', graph: { tenantId: 'not a tenant', clientId: 'x', certificate: { thumbprint: '12', privateKey: 'nope' } } }))
      .toEqual(['graph.certificate.privateKey', 'graph.certificate.thumbprint', 'graph.clientId', 'graph.tenantId']);
    expect(await bad(ewsProfile({ name: 'e1', ews: { url: 'https://m.contoso.com/EWS/Exchange.asmx', autodiscover: true } }))).toEqual(['ews.autodiscover']);
    expect(await bad(ewsProfile({ name: 'e2', ews: {} }))).toEqual(['ews.url']);
    expect(await bad(ewsProfile({ name: 'e3', ews: { urll: 'https://x' } }))).toEqual(['ews']);
    expect(await bad(ewsProfile({ name: 'e4', auth: { type: 'oauth2' }, host: 'mail.contoso.com' }))).toEqual(['auth.type', 'host']);
    expect(await bad(ewsProfile({ name: 'e5', credentials: 'mailbox', username: null, password: null }))).toEqual(['ews.mailboxAccess']);
    expect(await bad(ewsProfile({ name: 'e6', ews: { url: 'ftp://mail.contoso.com/EWS' } }))).toEqual(['ews.url']);
    expect(await bad(graphProfile({ name: 'g3', sendingAccount: null, auth: { type: 'basic' } }))).toEqual(['auth.type', 'sendingAccount']);
    expect(await bad({ name: 'p1', direction: 'incoming', protocol: 'pop3', host: 'h', processedFolder: 'Done', ews: { autodiscover: true } }))
      .toEqual(['ews', 'processedFolder']);
    expect(await bad({ name: 's1', direction: 'outgoing', protocol: 'smtp', host: 'h', sendAccess: 'on-behalf', manageSievePort: 4190 }))
      .toEqual(['manageSievePort', 'sendAccess']);
    expect(await bad({ name: 'i1', direction: 'incoming', protocol: 'imap' })).toEqual(['host']);
  });

  it('resolves both endpoints for test access (Autodiscover at the mailbox domain, Graph app secret sealed) and publishes them redacted', async () => {
    const ews = await call('POST', '/api/v1/profiles', ewsProfile({
      name: 'Exchange auto', ews: { autodiscover: true, autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc' },
      auth: { type: 'basic' }, credentials: 'mailbox', username: undefined, password: undefined,
    }), 201);
    const graph = await call('POST', '/api/v1/profiles', graphProfile({ name: 'M365 send', graph: { ...APP, clientSecret: GRAPH_SECRET, authority: 'http://127.0.0.1:5199/tenant' } }), 201);
    const deployment = await call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: ews.id, outgoingProfileId: graph.id }, 201);
    const bob = await call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'user', address: 'bob@fabrikam.example', password: MAILBOX_PASSWORD }, 201);

    await responder.answer('incomingTestAccess', () => ({ response: { status: 'success', message: 'EWS: inbox opened' } }));
    await responder.answer('outgoingTestAccess', () => ({ response: { status: 'success', message: 'Graph: token ok' } }));
    const result = await call('POST', `/api/v1/mailboxes/${bob.id}/test-access`);
    expect([result.incoming.status, result.outgoing.status]).toEqual(['success', 'success']);

    const key = decodeSecretKey(api.secretKey);
    const incoming = responder.requests.find((r) => r.name === 'incomingTestAccess')!.data as TestAccessRequestV1;
    expect(incoming.endpoint).toMatchObject({
      protocol: 'ews', host: 'fabrikam.example', port: 443, security: 'tls', mailbox: 'bob@fabrikam.example',
      auth: { type: 'basic', username: 'bob@fabrikam.example' }, processedFolder: 'CRM/Processed',
      ews: { autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc' },
    });
    expect(incoming.endpoint.ews).not.toHaveProperty('mailboxAccess');
    expect(openSecret(key, incoming.endpoint.auth.password!)).toBe(MAILBOX_PASSWORD);
    const outgoing = responder.requests.find((r) => r.name === 'outgoingTestAccess')!.data as TestAccessRequestV1;
    expect(outgoing.endpoint).toMatchObject({
      protocol: 'graph', auth: { type: 'oauth2' }, mailbox: 'bob@fabrikam.example', sendAccess: 'on-behalf', sendingAccount: 'crm-router@contoso.com',
      graph: { ...APP, authority: 'http://127.0.0.1:5199/tenant' },
    });
    expect(openSecret(key, outgoing.endpoint.graph!.clientSecret!)).toBe(GRAPH_SECRET);

    const published = await call('POST', '/api/v1/publish', { comment: 'exchange' }, 201);
    const shown = await call('GET', `/api/v1/publish/${published.version}`);
    const shownBob = (shown.mailboxes as Json[]).find((m) => m.id === bob.id)!;
    expect(shownBob.outgoing.graph).toEqual({ ...APP, authority: 'http://127.0.0.1:5199/tenant', hasClientSecret: true });
    expect(shownBob.incoming).toMatchObject({ host: 'fabrikam.example', auth: { hasPassword: true } });
  });

  it('never shows a secret, nor stores one in plaintext', async () => {
    const all = [...responses, (await api.call('GET', '/api/v1/profiles')).text].join('\n');
    for (const secret of [EWS_PASSWORD, GRAPH_SECRET, MAILBOX_PASSWORD, 'PRIVATE KEY']) expect(all).not.toContain(secret);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      for (const t of ['profile', 'mailbox', 'publication']) {
        const { rows } = await pg.query(`SELECT row_to_json(x)::text AS row FROM config.${t} x`);
        const text = rows.map((r) => r.row as string).join('\n');
        for (const secret of [EWS_PASSWORD, GRAPH_SECRET, MAILBOX_PASSWORD, 'PRIVATE KEY']) expect(text).not.toContain(secret);
      }
    } finally {
      await pg.end();
    }
  });
});
