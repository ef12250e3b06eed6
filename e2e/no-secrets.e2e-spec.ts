/**
 * Secrets never rest in the clear: after a router has been configured with every kind of secret
 * (mailbox and profile passwords, an NTLM password, a Graph client secret, a Dataverse client
 * secret, a console user's password, sessions and API tokens), has tested access, published,
 * tracked and sent mail — with services logging at `verbose` — a dump of its database, the
 * published configuration in NATS and every service's log are searched for each secret.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'nats';
import { bucketName } from '@mailrouter/contracts';
import { appendToInbox, buildMime, createMailUser, SmtpSink, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { emailById, emailsFor } from './support/demo-world';

const SMTP = { user: 'router-smtp', pass: 'Smtp-Profile-Secret-4471' };
const NTLM_PASSWORD = 'Ntlm-Profile-Secret-9921';
const GRAPH_SECRET = 'Graph-Client-Secret-5583';
const DATAVERSE_SECRET = 'Dataverse-Client-Secret-7719';
const CONSOLE_PASSWORD = 'Console-User-Password-3307';

describe('no secret in the database, the published configuration or the logs', () => {
  const router = new RouterUnderTest({ LOG_LEVEL: 'verbose', CLAIM_INTERVAL_MS: '300' });
  const sink = new SmtpSink({ auth: SMTP });
  const user = createMailUser('nosecret');
  const secrets: Record<string, string> = {
    'mailbox password': user.password, 'SMTP profile password': SMTP.pass, 'NTLM password': NTLM_PASSWORD,
    'Graph client secret': GRAPH_SECRET, 'Dataverse client secret': DATAVERSE_SECRET, 'console password': CONSOLE_PASSWORD,
  };

  beforeAll(async () => {
    await sink.start();
    await router.start();
    secrets['ROUTER_API_TOKEN'] = router.token;
    secrets['ROUTER_SECRET_KEY'] = router.secretKey;
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('configures, tests, publishes, tracks and sends; then finds none of the secrets anywhere', async () => {
    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'SMTP', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none', auth: { type: 'basic' },
      credentials: 'profile', username: SMTP.user, password: SMTP.pass,
    });
    await router.call('POST', '/api/v1/profiles', {
      name: 'Exchange', direction: 'incoming', protocol: 'ews', ews: { url: 'http://127.0.0.1:9/EWS/Exchange.asmx', mailboxAccess: 'impersonation' },
      auth: { type: 'ntlm', domain: 'CONTOSO' }, credentials: 'profile', username: 'svc', password: NTLM_PASSWORD,
    });
    const graph = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Graph', direction: 'outgoing', protocol: 'graph',
      graph: { tenantId: 'e0000000-0000-4000-8000-00000000a001', clientId: '5a1e7c55-0000-4000-8000-00000000c11e', clientSecret: GRAPH_SECRET, authority: 'http://127.0.0.1:9/e0000000-0000-4000-8000-00000000a001', baseUrl: 'http://127.0.0.1:9/v1.0' },
    });
    await router.call('POST', '/api/v1/deployments', {
      name: 'Dataverse (unused)', crm: { type: 'dataverse', url: 'http://127.0.0.1:9', tenantId: 'e0000000-0000-4000-8000-00000000a001', clientId: '5a1e7c55-0000-4000-8000-00000000c11e', clientSecret: DATAVERSE_SECRET },
    });
    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Contoso', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id,
    });
    const crmUser = await router.call<{ id: string }>('POST', '/crm/v1/users', { fullName: 'Nora Secret', email: user.address, incomingTracking: 'all', emailRouter: true });
    const loaded = await router.call<{ created: { id: string; crmId: string }[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    const mailbox = loaded.created.find((m) => m.crmId === crmUser.id)!;
    await router.call('PATCH', `/api/v1/mailboxes/${mailbox.id}`, { username: user.username, password: user.password });
    // a second mailbox whose sending goes through the Graph profile: its test fails (nothing listens), and logs it
    const other = await router.call<{ id: string }>('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'queue', address: 'queue@example.test', outgoingProfileId: graph.id, password: 'x' }, 201);

    // console users, a session, an API token, a failed sign-in
    const admin = await router.call<{ id: string }>('POST', '/api/v1/users', { username: 'nora', role: 'admin', password: CONSOLE_PASSWORD }, 201);
    const session = await router.call<{ token: string }>('POST', '/api/v1/auth/login', { username: 'nora', password: CONSOLE_PASSWORD }, 200);
    secrets['session token'] = session.token;
    const apiToken = await router.call<{ token: string }>('POST', `/api/v1/users/${admin.id}/tokens`, { name: 'script' }, 201);
    secrets['API token'] = apiToken.token;
    await router.call('POST', '/api/v1/auth/login', { username: 'nora', password: `${CONSOLE_PASSWORD}-wrong` }, 401);

    await router.call('POST', `/api/v1/mailboxes/${mailbox.id}/test-access`, undefined, 200);
    await router.call('POST', `/api/v1/mailboxes/${other.id}/test-access`, undefined, 200);
    await router.call('POST', '/api/v1/publish', { comment: 'no secrets' });
    await appendToInbox(user, await buildMime({ from: 'dana@contoso.test', to: user.address, subject: 'Tracked', messageId: '<nosecret-1@contoso.test>', text: 'x' }));
    await waitFor('the mail tracked', async () => (await emailsFor(router, { direction: 'incoming', messageId: '<nosecret-1@contoso.test>' })).length === 1, 60_000);
    const composed = await router.call<{ id: string }>('POST', '/crm/v1/emails', { fromUserId: crmUser.id, to: ['dana@contoso.test'], subject: 'Sent', text: 'x', send: true }, 201);
    await waitFor('the mail sent', async () => (await emailById(router, composed.id)).status === 'sent', 60_000);
    expect(sink.accepted.some((m) => m.raw.toString().includes('Subject: Sent'))).toBe(true);

    // what rests: the database, the published configuration in NATS, every log
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', router.db.url], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
    const nc = await connect({ servers: TEST_NATS_URL });
    const kv = await nc.jetstream().views.kv(bucketName(router.prefix, 'config'));
    const published = (await kv.get('current'))?.string() ?? '';
    await nc.close();
    const logs = [...router.services.values()].map((s) => readFileSync(s.logFile, 'utf8')).join('\n');
    // what is searched is the real thing: it holds the non-secret facts of this run
    expect(dump).toContain(user.address);
    expect(dump).toContain('<nosecret-1@contoso.test>');
    expect(published).toContain('queue@example.test');
    expect(logs).toContain(user.address);

    const found = Object.entries(secrets).flatMap(([what, value]) => [
      ...(dump.includes(value) ? [`${what} in the database dump`] : []),
      ...(published.includes(value) ? [`${what} in the published configuration`] : []),
      ...(logs.includes(value) ? [`${what} in the logs`] : []),
    ]);
    console.log(`searched ${dump.length} bytes of database dump, ${published.length} of published configuration, ${logs.length} of logs for ${Object.keys(secrets).length} secrets: ${found.length} found`);
    expect(found).toEqual([]);
  });
});
