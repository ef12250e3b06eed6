/**
 * The whole key rotation, as docs/operations.md tells an operator to do it, on the four services
 * as processes: key A → secrets stored and published, mail tracked and sent → every service
 * restarted with B current and A previous → still tracks, sends, tests access → rotate, publish
 * → every service restarted with B alone → still tracks, sends, tests access. Before the
 * rotation, a service given B alone refuses the old values loudly, naming key A's id.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppName } from '@mailrouter/testing';
import { appendToInbox, buildMime, createMailUser, SmtpSink, TEST_DOVECOT, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { emailById, emailsFor } from './support/demo-world';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APPS: AppName[] = ['config', 'crm-sync', 'incoming', 'outgoing'];
const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('hex');
const SMTP = { user: 'router-smtp', pass: 'Smtp-Rotation-Secret-5120' };
const FLOW_TIMEOUT_MS = 90_000;

describe('secret key rotation, end to end (A → B with A previous → rotate, publish → B alone)', () => {
  // RouterUnderTest reads this object at every (re)start: the test changes the keys in it.
  const keys: Record<string, string> = { ROUTER_SECRET_KEY: KEY_A, ROUTER_SECRET_KEY_ID: 'key-a', CLAIM_INTERVAL_MS: '300' };
  const router = new RouterUnderTest(keys);
  const sink = new SmtpSink({ auth: SMTP });
  const user = createMailUser('rotation');
  let crmUserId = '';
  let mailboxId = '';
  const flows: string[] = [];
  /** The log of every process the test ran, restarted ones included. */
  const logFiles = new Set<string>();
  const noteLogs = () => router.services.forEach((s) => logFiles.add(s.logFile));

  async function restartAll(): Promise<void> {
    noteLogs();
    await Promise.all([...router.services.values()].map((s) => s.stop()));
    await Promise.all(APPS.map((app) => router.startApp(app)));
  }

  /** What a user notices: test access passes both ways, a received mail is tracked, a composed one is sent. */
  async function provesItWorks(phase: string): Promise<void> {
    const test = await router.call<Json>('POST', `/api/v1/mailboxes/${mailboxId}/test-access`, undefined, 200);
    expect({ phase, incoming: test.incoming.status, outgoing: test.outgoing.status }).toEqual({ phase, incoming: 'success', outgoing: 'success' });
    const messageId = `<rotation-${phase}@contoso.test>`;
    await appendToInbox(user, await buildMime({ from: 'dana@contoso.test', to: user.address, subject: `In ${phase}`, messageId, text: 'x' }));
    await waitFor(`${phase}: the mail tracked`, async () => (await emailsFor(router, { direction: 'incoming', messageId })).length === 1, FLOW_TIMEOUT_MS);
    const composed = await router.call<{ id: string }>('POST', '/crm/v1/emails', { fromUserId: crmUserId, to: ['dana@contoso.test'], subject: `Out ${phase}`, text: 'x', send: true }, 201);
    await waitFor(`${phase}: the mail sent`, async () => (await emailById(router, composed.id)).status === 'sent', FLOW_TIMEOUT_MS);
    expect(sink.accepted.filter((m) => m.raw.toString().includes(`Subject: Out ${phase}`))).toHaveLength(1);
    flows.push(phase);
  }

  beforeAll(async () => {
    await sink.start();
    await router.start();
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('under key A: configures, publishes, tracks and sends', async () => {
    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'IMAP', direction: 'incoming', protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none',
      auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'SMTP', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none', auth: { type: 'basic' },
      credentials: 'profile', username: SMTP.user, password: SMTP.pass,
    });
    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Contoso', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id,
    });
    crmUserId = (await router.call<{ id: string }>('POST', '/crm/v1/users', { fullName: 'Rota Tion', email: user.address, incomingTracking: 'all', emailRouter: true })).id;
    const loaded = await router.call<{ created: { id: string; crmId: string }[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    mailboxId = loaded.created.find((m) => m.crmId === crmUserId)!.id;
    await router.call('PATCH', `/api/v1/mailboxes/${mailboxId}`, { username: user.username, password: user.password });
    await router.call('POST', '/api/v1/publish', { comment: 'under key A' });
    const status = await router.call<Json>('GET', '/api/v1/secrets/status');
    expect(status).toMatchObject({ currentKid: 'key-a', stored: { byKid: { 'key-a': 2 } }, running: { byKid: { 'key-a': expect.any(Number) } } });
    await provesItWorks('A');
  });

  it('before a rotation, a service given B alone refuses the values sealed under A, naming key-a', async () => {
    Object.assign(keys, { ROUTER_SECRET_KEY: KEY_B, ROUTER_SECRET_KEY_ID: 'key-b' });
    noteLogs();
    await router.service('outgoing').stop();
    await router.startApp('outgoing');
    const test = await router.call<Json>('POST', `/api/v1/mailboxes/${mailboxId}/test-access`, undefined, 200);
    expect(test.outgoing).toMatchObject({ status: 'failure', message: expect.stringMatching(/key id 'key-a'.*not in the keyring/) });
    expect(JSON.stringify(test)).not.toContain(KEY_A);
  });

  it('restarted with B current and A previous: everything still works; status says A is still needed', async () => {
    keys.ROUTER_SECRET_KEYS_PREVIOUS = `key-a:${KEY_A}`;
    await restartAll();
    expect(await router.call<Json>('GET', '/api/v1/secrets/status')).toMatchObject({ currentKid: 'key-b', stillNeeded: ['key-a'], removable: [] });
    await provesItWorks('B-with-A');
  });

  it('rotate and publish, restarted with B alone: everything still works', async () => {
    const rotation = await router.call<Json>('POST', '/api/v1/secrets/rotate', undefined, 200);
    expect(rotation).toMatchObject({ currentKid: 'key-b', resealed: 2, alreadyCurrent: 0, byKid: { 'key-a': 2 } });
    await router.call('POST', '/api/v1/publish', { comment: 'after key rotation' });
    const status = await router.call<Json>('GET', '/api/v1/secrets/status');
    expect(status).toMatchObject({ stillNeeded: [], removable: ['key-a'], stored: { byKid: { 'key-b': 2 }, unopenable: {} } });
    delete keys.ROUTER_SECRET_KEYS_PREVIOUS;
    await restartAll();
    await provesItWorks('B-alone');
    const audit = await router.call<Json[]>('GET', '/api/v1/audit?limit=50');
    expect(audit.filter((e) => e.path === '/api/v1/secrets/rotate')).toHaveLength(1);
    console.log(`secret rotation e2e: ${rotation.resealed} stored secrets re-sealed (byKid ${JSON.stringify(rotation.byKid)}), `
      + `${rotation.publications.resealed} in published snapshots; flows that tracked + sent + tested access: ${flows.join(', ')} (${flows.length}/3)`);
    expect(flows).toEqual(['A', 'B-with-A', 'B-alone']);
  });

  it('no key and no password in any service log of the whole procedure', () => {
    noteLogs();
    const logs = [...logFiles].map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(logs).toContain('key-b');
    const secrets = { 'key A': KEY_A, 'key A as hex': Buffer.from(KEY_A, 'base64').toString('hex'), 'key B': KEY_B,
      'key B as base64': Buffer.from(KEY_B, 'hex').toString('base64'), 'SMTP password': SMTP.pass, 'mailbox password': user.password };
    const found = Object.entries(secrets).filter(([, v]) => logs.includes(v)).map(([what]) => what);
    console.log(`secret rotation e2e: searched ${logFiles.size} logs (${logs.length} bytes) for ${Object.keys(secrets).length} secrets: ${found.length} found`);
    expect(found).toEqual([]);
  });
});
