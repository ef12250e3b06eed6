/**
 * A forward mailbox on Dovecot, fed by the Sieve rule the router deploys over ManageSieve (the
 * original's Rule Deployment Wizard), through the four services as processes: mail delivered to
 * alice over LMTP is redirected by her Sieve script to the forward mailbox, which the router reads
 * and tracks as alice's mail. Configured through the config API only.
 */
import {
  buildMime, createMailUser, deliverViaLmtp, fetchInboxRaw, listInbox, MailUser, SmtpSink, TEST_DOVECOT, waitFor,
} from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { emailById, emailsFor, EmailView } from './support/demo-world';

interface Mailbox { id: string; address: string; crmId?: string }
interface RulesAnswer { results: { address: string; via?: string; change: string; message: string }[]; summary: Record<string, number> }
interface TraceAnswer { items: { messageId?: string; verdict?: { outcome: string; reason: string; text?: string }; server?: { state: string } }[] }

describe('MailRouter end to end: a forward mailbox on Dovecot fed by a deployed Sieve rule', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300' });
  const sink = new SmtpSink();
  let alice: MailUser;
  let forward: MailUser;
  const crm: Record<string, { id: string }> = {};
  const mailboxes: Record<string, Mailbox> = {};

  const deployRules = (action: 'deploy' | 'remove') =>
    router.call<RulesAnswer>('POST', '/api/v1/mailboxes/rules/deploy', { forwardMailboxId: mailboxes.forward.id, mailboxIds: [mailboxes.alice.id], action }, 200);

  beforeAll(async () => {
    await sink.start();
    await router.start();
    alice = createMailUser('fwalice');
    forward = createMailUser('fwcrm');
    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Dovecot IMAP with Sieve', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: TEST_DOVECOT.imapPort,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1, manageSievePort: TEST_DOVECOT.manageSievePort,
    });
    const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'SMTP sink', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none', auth: { type: 'none' }, credentials: 'profile',
    });
    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Forward E2E', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id,
    });
    await router.call('POST', '/crm/v1/contacts', { fullName: 'Dana Customer', email: 'dana@customer.test' });
    crm.alice = await router.call('POST', '/crm/v1/users', { fullName: 'Alice Forwarded', email: alice.address, incomingTracking: 'all', emailRouter: true });
    const loaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    const mb = loaded.created.find((m) => m.crmId === crm.alice.id);
    if (!mb) throw new Error(`load-data made no mailbox for alice: ${JSON.stringify(loaded)}`);
    // alice's mail reaches the router through the forward mailbox: her own INBOX is not polled.
    mailboxes.alice = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${mb.id}`, { username: alice.username, password: alice.password, enabled: false });
    mailboxes.forward = await router.call<Mailbox>('POST', '/api/v1/mailboxes', {
      deploymentId: deployment.id, kind: 'forward', address: forward.address, username: forward.username, password: forward.password, deleteAfterProcessing: true,
    }, 201);
    await router.call('POST', '/api/v1/publish', { comment: 'forward e2e' });
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('deploys alice\'s Sieve rule over ManageSieve; deploying again changes nothing', async () => {
    const first = await deployRules('deploy');
    expect(first.results).toEqual([expect.objectContaining({ address: alice.address, via: 'sieve', change: 'created' })]);
    const again = await deployRules('deploy');
    expect(again.results).toEqual([expect.objectContaining({ change: 'unchanged' })]);
    expect(again.summary).toMatchObject({ unchanged: 1, created: 0, failed: 0 });
  });

  it('mail delivered to alice is redirected to the forward mailbox, tracked as alice\'s, and the copy deleted there; alice keeps hers', async () => {
    await deliverViaLmtp(alice.address, await buildMime({
      from: 'Dana Customer <dana@customer.test>', to: alice.address, subject: 'Forwarded order', messageId: '<fw-order-1@customer.test>', text: '12 seats, please.',
    }), 'dana@customer.test');
    const found = await waitFor('the activity of the forwarded message', async () => {
      const list = await emailsFor(router, { direction: 'incoming', messageId: '<fw-order-1@customer.test>' });
      return list.length ? list : undefined;
    }, 60_000);
    expect(found).toHaveLength(1);
    const activity: EmailView = await emailById(router, found[0].id);
    expect(activity.owner).toEqual({ type: 'user', id: crm.alice.id });
    expect(activity.subject).toBe('Forwarded order');
    expect(activity.parties).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'to', address: alice.address, record: { type: 'user', id: crm.alice.id } })]));
    // deleteAfterProcessing: the forward mailbox's copy is gone once settled; alice's own copy stays, without the header
    await waitFor('the forward mailbox emptied', async () => (await listInbox(forward)).length === 0, 30_000);
    const own = await fetchInboxRaw(alice);
    expect(own).toHaveLength(1);
    expect(own[0].toString()).not.toMatch(/X-MailRouter-Forwarded-For/i);
  });

  it('a message in the forward mailbox with nothing forwarded inside is quarantined with its reason and left on the server', async () => {
    await deliverViaLmtp(forward.address, await buildMime({
      from: 'someone@elsewhere.test', to: forward.address, subject: 'Not a forward', messageId: '<fw-nothing@elsewhere.test>', text: 'hello',
    }), 'someone@elsewhere.test');
    const answer = await waitFor('the quarantined verdict in trace', async () => {
      const t = await router.call<TraceAnswer>('GET', `/api/v1/trace/${encodeURIComponent('<fw-nothing@elsewhere.test>')}`);
      return t.items[0]?.verdict ? t : undefined;
    }, 60_000);
    expect(answer.items[0].verdict).toMatchObject({ outcome: 'quarantined', reason: 'forward-without-message' });
    expect(await emailsFor(router, { direction: 'incoming', messageId: '<fw-nothing@elsewhere.test>' })).toHaveLength(0);
    expect((await listInbox(forward)).length).toBe(1);
  });

  it('a forged forwarded-for header is not believed', async () => {
    await deliverViaLmtp(forward.address, await buildMime({
      from: 'mallory@evil.test', to: forward.address, subject: 'Forged', messageId: '<fw-forged@evil.test>', text: 'x',
      headers: { 'X-MailRouter-Forwarded-For': `<${alice.address}>; token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` },
    }), 'mallory@evil.test');
    const answer = await waitFor('the forged message decided', async () => {
      const t = await router.call<TraceAnswer>('GET', `/api/v1/trace/${encodeURIComponent('<fw-forged@evil.test>')}`);
      return t.items[0]?.verdict ? t : undefined;
    }, 60_000);
    expect(answer.items[0].verdict?.outcome).toBe('quarantined');
    expect(await emailsFor(router, { direction: 'incoming', messageId: '<fw-forged@evil.test>' })).toHaveLength(0);
  });

  it('removing the rule stops the redirect', async () => {
    const removed = await deployRules('remove');
    expect(removed.results).toEqual([expect.objectContaining({ change: 'removed' })]);
    await deliverViaLmtp(alice.address, await buildMime({ from: 'dana@customer.test', to: alice.address, subject: 'After removal', messageId: '<fw-after@customer.test>', text: 'x' }), 'dana@customer.test');
    await waitFor('alice has the new message', async () => (await fetchInboxRaw(alice)).length === 2, 30_000);
    const forwardInbox = await fetchInboxRaw(forward);
    expect(forwardInbox.some((raw) => raw.toString().includes('fw-after@customer.test'))).toBe(false);
  });
});
