/**
 * Exchange on premises (EWS) and Exchange Online (Microsoft Graph) through the four services as
 * processes, configured through the config API as an admin would. No Exchange or Microsoft 365
 * can run here: the servers are the EWS EMULATOR (tools/ews-emulator) and the Graph EMULATOR
 * (tools/graph-emulator), test doubles speaking the documented wire formats (SOAP; Graph JSON and
 * the Entra ID token endpoint). The adapter code under test is what talks to the real services.
 */
import { simpleParser } from 'mailparser';
import { buildMime, waitFor } from '@mailrouter/testing';
import { EwsEmulator, startEwsEmulator } from '../tools/ews-emulator/src';
import { GraphEmulator, startGraphEmulator } from '../tools/graph-emulator/src';
import { RouterUnderTest } from './support/router';
import { emailById, emailsFor, EmailView } from './support/demo-world';

const SVC = { address: 'svc-crm@contoso.test', username: 'svc-crm', password: 'Svc-Pa55word!', domain: 'CONTOSO' };
const FRANK_PASSWORD = 'Frank-Pa55word!';
const APP = { clientId: '5a1e7c55-0000-4000-8000-00000000c11e', clientSecret: 'graph-e2e-client-secret' };
const OTHER_TENANT = 'f0000000-0000-4000-8000-0000000000ff';

interface Profile { id: string }
interface Mailbox { id: string; address: string; crmId?: string }
interface AccessResult { incoming: { status: string; message: string }; outgoing: { status: string; message: string } }
interface RulesAnswer { results: { address: string; via?: string; change: string; message: string }[]; summary: Record<string, number> }

describe('MailRouter end to end with Exchange (EWS emulator) and Exchange Online (Graph emulator)', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300', SEND_RETRY_INITIAL_MS: '500', SEND_RETRY_MAX_MS: '1000' });
  let ews: EwsEmulator;
  let graph: GraphEmulator;
  const users: Record<string, { id: string; email: string }> = {};
  const mailboxes: Record<string, Mailbox> = {};
  const profiles: Record<string, Profile> = {};
  let deploymentId = '';

  const profile = (body: Record<string, unknown>) => router.call<Profile>('POST', '/api/v1/profiles', body);
  const graphSettings = (extra: Record<string, unknown> = {}) => ({
    tenantId: graph.tenantId, clientId: APP.clientId, clientSecret: APP.clientSecret, authority: graph.authority, baseUrl: graph.baseUrl, ...extra,
  });

  beforeAll(async () => {
    ews = await startEwsEmulator();
    graph = await startGraphEmulator({ clients: [APP] });
    for (const u of ['erin', 'frank', 'crm-forward']) ews.store.addUser({ address: `${u}@contoso.test`, password: u === 'frank' ? FRANK_PASSWORD : 'x-Unused-1' });
    ews.store.addUser(SVC);
    ews.store.grantImpersonation(SVC.address);
    ews.store.grantSendOnBehalf(SVC.address, 'frank@contoso.test');
    for (const u of ['gina', 'harry', 'crm', 'crm-forward']) graph.store.addMailbox(`${u}@fabrikam.test`);
    graph.store.grantSend('crm@fabrikam.test', 'harry@fabrikam.test', 'send-on-behalf');
    await router.start();

    profiles.ewsNtlm = await profile({
      name: 'Exchange 2019 (NTLM, Autodiscover, impersonation)', direction: 'incoming', protocol: 'ews',
      ews: { autodiscover: true, autodiscoverUrl: ews.autodiscoverUrl, mailboxAccess: 'impersonation' },
      auth: { type: 'ntlm', domain: SVC.domain }, credentials: 'profile', username: SVC.username, password: SVC.password, pollIntervalSeconds: 1,
    });
    profiles.ewsBasic = await profile({
      name: 'Exchange 2019 (Basic, own credentials)', direction: 'incoming', protocol: 'ews', ews: { url: ews.url },
      auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    profiles.ewsSendAs = await profile({
      name: 'Exchange send as', direction: 'outgoing', protocol: 'ews', ews: { url: ews.url, mailboxAccess: 'impersonation' },
      auth: { type: 'ntlm', domain: SVC.domain }, credentials: 'profile', username: SVC.username, password: SVC.password, sendAccess: 'send-as',
    });
    profiles.ewsOnBehalf = await profile({
      name: 'Exchange delegate access', direction: 'outgoing', protocol: 'ews', ews: { url: ews.url },
      auth: { type: 'basic' }, credentials: 'profile', username: SVC.address, password: SVC.password, sendAccess: 'on-behalf', sendingAccount: SVC.address,
    });
    profiles.graphIn = await profile({ name: 'Exchange Online in', direction: 'incoming', protocol: 'graph', graph: graphSettings(), pollIntervalSeconds: 1 });
    profiles.graphSendAs = await profile({ name: 'Exchange Online send as', direction: 'outgoing', protocol: 'graph', graph: graphSettings(), sendAccess: 'send-as' });
    profiles.graphOnBehalf = await profile({
      name: 'Exchange Online on behalf', direction: 'outgoing', protocol: 'graph', graph: graphSettings(), sendAccess: 'on-behalf', sendingAccount: 'crm@fabrikam.test',
    });

    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Exchange E2E', crm: { type: 'builtin' }, incomingProfileId: profiles.ewsNtlm.id, outgoingProfileId: profiles.ewsSendAs.id,
    });
    deploymentId = deployment.id;
    await router.call('POST', '/crm/v1/contacts', { fullName: 'Dana Customer', email: 'dana@customer.test' });
    for (const [key, email] of [['erin', 'erin@contoso.test'], ['frank', 'frank@contoso.test'], ['gina', 'gina@fabrikam.test'], ['harry', 'harry@fabrikam.test']]) {
      users[key] = await router.call('POST', '/crm/v1/users', { fullName: `${key} Example`, email, incomingTracking: 'all', emailRouter: true });
    }
    const loaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${deploymentId}/load-data`);
    for (const key of Object.keys(users)) {
      const mb = loaded.created.find((m) => m.crmId === users[key].id);
      if (!mb) throw new Error(`load-data made no mailbox for ${key}: ${JSON.stringify(loaded)}`);
      mailboxes[key] = mb;
    }
    await router.call('PATCH', `/api/v1/mailboxes/${mailboxes.frank.id}`, { incomingProfileId: profiles.ewsBasic.id, outgoingProfileId: profiles.ewsOnBehalf.id, password: FRANK_PASSWORD });
    await router.call('PATCH', `/api/v1/mailboxes/${mailboxes.gina.id}`, { incomingProfileId: profiles.graphIn.id, outgoingProfileId: profiles.graphSendAs.id });
    await router.call('PATCH', `/api/v1/mailboxes/${mailboxes.harry.id}`, { incomingProfileId: profiles.graphIn.id, outgoingProfileId: profiles.graphOnBehalf.id });
    await router.call('POST', '/api/v1/publish', { comment: 'exchange e2e' });
  });

  afterAll(async () => {
    await router.stop();
    await ews?.close();
    await graph?.close();
  });

  async function trackedFor(ownerKey: string, messageId: string): Promise<EmailView> {
    const found = await waitFor(`the activity for ${messageId}`, async () => {
      const list = await emailsFor(router, { direction: 'incoming', messageId });
      return list.length ? list : undefined;
    }, 60_000);
    expect(found).toHaveLength(1);
    expect(found[0].owner).toEqual({ type: 'user', id: users[ownerKey].id });
    return found[0];
  }

  async function sent(fromKey: string, subject: string): Promise<EmailView> {
    const composed = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: users[fromKey].id, to: ['dana@customer.test'], subject, text: `${subject} — body`, send: true,
    }, 201);
    return waitFor(`"${subject}" sent`, async () => {
      const e = await emailById(router, composed.id);
      if (e.status === 'failed') throw new Error(`"${subject}" failed: ${e.failureReason}`);
      return e.status === 'sent' ? e : undefined;
    }, 60_000);
  }

  it('EWS: mail in Exchange inboxes becomes activities — NTLM with Autodiscover and impersonation, and Basic with the mailbox\'s own credentials — and is marked read', async () => {
    ews.store.deliver('erin@contoso.test', await buildMime({ from: 'Dana Customer <dana@customer.test>', to: 'erin@contoso.test', subject: 'Quote request', messageId: '<ews-erin-1@customer.test>', text: 'Please quote.' }));
    ews.store.deliver('frank@contoso.test', await buildMime({ from: 'dana@customer.test', to: 'frank@contoso.test', subject: 'Invoice question', messageId: '<ews-frank-1@customer.test>', text: 'Which invoice?' }));
    const erin = await trackedFor('erin', '<ews-erin-1@customer.test>');
    expect(erin.subject).toBe('Quote request');
    await trackedFor('frank', '<ews-frank-1@customer.test>');

    const inboxRead = (address: string) => [...ews.store.mailbox(address)!.items.values()].filter((i) => i.subject && !i.isRead).length === 0;
    await waitFor('both messages marked read on Exchange', () => inboxRead('erin@contoso.test') && inboxRead('frank@contoso.test'), 30_000);

    // Autodiscover found the EWS URL for erin; her mailbox was reached by NTLM as the service
    // account impersonating her; frank's with Basic as himself.
    expect(ews.requests.some((r) => r.path.toLowerCase().includes('autodiscover') && r.status === 200)).toBe(true);
    const syncs = ews.requests.filter((r) => r.operation === 'SyncFolderItems' && r.status === 200);
    expect(syncs.some((r) => r.user === SVC.address && r.impersonating === 'erin@contoso.test' && /^NTLM\b/i.test(r.authorization))).toBe(true);
    expect(syncs.some((r) => r.user === 'frank@contoso.test' && /^Basic\b/i.test(r.authorization))).toBe(true);
  });

  it('EWS: CRM email goes out through Exchange — send as (From erin, no Sender) and delegate access (From frank, Sender the service account) — saved in Sent Items and marked sent', async () => {
    const asErin = await sent('erin', 'EWS send as');
    const asFrank = await sent('frank', 'EWS on behalf');
    const byErin = ews.store.sent.find((s) => s.via === 'CreateItem' && s.mime.toString().includes('EWS send as'));
    const byFrank = ews.store.sent.find((s) => s.via === 'CreateItem' && s.mime.toString().includes('EWS on behalf'));
    expect(byErin).toMatchObject({ from: 'erin@contoso.test', actingAs: 'erin@contoso.test', recipients: ['dana@customer.test'] });
    expect(byErin!.sender).toBeUndefined();
    expect(byFrank).toMatchObject({ from: 'frank@contoso.test', sender: SVC.address, mailbox: SVC.address });
    const parsed = await simpleParser(byErin!.mime);
    expect(`<${parsed.messageId?.replace(/^<|>$/g, '')}>`).toBe(asErin.messageId);
    expect(parsed.subject).toContain(asErin.trackingToken!);
    expect(asFrank.deliveryAttempts).toBe(1);
    const sentItems = (address: string) => [...ews.store.mailbox(address)!.items.values()].filter((i) => i.folderId === ews.store.folder(address, 'sentitems').id);
    expect(sentItems('erin@contoso.test').map((i) => i.subject)).toContain(parsed.subject);
    expect(sentItems(SVC.address).some((i) => i.subject.includes('EWS on behalf'))).toBe(true);
  });

  it('Graph: mail in an Exchange Online inbox becomes an activity; 429s with Retry-After are waited out; never more than 4 requests in flight per mailbox', async () => {
    graph.setHoldMs(20);
    graph.failNext('gina@fabrikam.test', 2, { status: 429, retryAfterSeconds: 1 });
    for (let i = 1; i <= 6; i++) {
      graph.store.deliver('gina@fabrikam.test', await buildMime({ from: 'dana@customer.test', to: 'gina@fabrikam.test', subject: `Online ${i}`, messageId: `<graph-gina-${i}@customer.test>`, text: `message ${i}` }));
    }
    for (let i = 1; i <= 6; i++) await trackedFor('gina', `<graph-gina-${i}@customer.test>`);
    await waitFor('read in Exchange Online', () => graph.store.messages('gina@fabrikam.test').every((m) => m.isRead), 30_000);
    const throttled = graph.requests.filter((r) => r.status === 429);
    expect(throttled.length).toBe(2);
    expect(graph.maxInFlight.get('gina@fabrikam.test')).toBeLessThanOrEqual(4);
    expect(Math.max(...graph.maxInFlight.values())).toBeLessThanOrEqual(4);
    // One token served everything (cached and reused by the services).
    expect(graph.tokensIssued()).toBeLessThanOrEqual(4);
  });

  it('Graph: CRM email goes out through Exchange Online — send as (posted to gina\'s mailbox) and on behalf (From harry, Sender crm@) — and is marked sent', async () => {
    const asGina = await sent('gina', 'Graph send as');
    await sent('harry', 'Graph on behalf');
    const byGina = graph.store.sent.find((s) => s.mime.toString().includes('Graph send as'));
    const byHarry = graph.store.sent.find((s) => s.mime.toString().includes('Graph on behalf'));
    expect(byGina).toMatchObject({ mailbox: 'gina@fabrikam.test', from: 'gina@fabrikam.test', recipients: ['dana@customer.test'] });
    expect(byGina!.sender).toBeUndefined();
    expect(byHarry).toMatchObject({ mailbox: 'crm@fabrikam.test', from: 'harry@fabrikam.test', sender: 'crm@fabrikam.test' });
    const parsed = await simpleParser(byGina!.mime);
    expect(`<${parsed.messageId?.replace(/^<|>$/g, '')}>`).toBe(asGina.messageId);
  });

  it('deploys forward rules through EWS inbox rules and Graph message rules; deploying again changes nothing', async () => {
    const ewsForward = await router.call<Mailbox>('POST', '/api/v1/mailboxes', {
      deploymentId, kind: 'forward', address: 'crm-forward@contoso.test', incomingProfileId: profiles.ewsBasic.id, password: 'x-Unused-1', enabled: false,
    }, 201);
    const deploy = (forwardMailboxId: string, ids: string[]) =>
      router.call<RulesAnswer>('POST', '/api/v1/mailboxes/rules/deploy', { forwardMailboxId, mailboxIds: ids }, 200);
    const first = await deploy(ewsForward.id, [mailboxes.erin.id, mailboxes.frank.id]);
    expect(first.results.map((r) => [r.address, r.via, r.change])).toEqual([
      ['erin@contoso.test', 'ews', 'created'], ['frank@contoso.test', 'ews', 'created'],
    ]);
    const again = await deploy(ewsForward.id, [mailboxes.erin.id, mailboxes.frank.id]);
    expect(again.results.map((r) => r.change)).toEqual(['unchanged', 'unchanged']);
    for (const a of ['erin@contoso.test', 'frank@contoso.test']) {
      expect(ews.store.mailbox(a)!.rules).toEqual([expect.objectContaining({ forwardAsAttachmentTo: ['crm-forward@contoso.test'], isEnabled: true })]);
    }

    const graphForward = await router.call<Mailbox>('POST', '/api/v1/mailboxes', {
      deploymentId, kind: 'forward', address: 'crm-forward@fabrikam.test', incomingProfileId: profiles.graphIn.id, enabled: false,
    }, 201);
    const g1 = await deploy(graphForward.id, [mailboxes.gina.id]);
    expect(g1.results).toEqual([expect.objectContaining({ address: 'gina@fabrikam.test', via: 'graph', change: 'created' })]);
    const g2 = await deploy(graphForward.id, [mailboxes.gina.id]);
    expect(g2.results.map((r) => r.change)).toEqual(['unchanged']);
    expect(graph.store.rules('gina@fabrikam.test')).toHaveLength(1);
  });

  it('test access reports the server\'s own words: wrong password, wrong URL and failed Autodiscover (EWS); wrong secret, wrong URL and failed tenant discovery (Graph)', async () => {
    const origin = new URL(ews.url).origin;
    const bad = {
      ewsWrongUrl: await profile({ name: 'EWS wrong URL', direction: 'incoming', protocol: 'ews', ews: { url: `${origin}/EWS/Wrong.asmx` }, auth: { type: 'basic' }, credentials: 'mailbox' }),
      ewsAutodiscover: await profile({ name: 'EWS Autodiscover', direction: 'incoming', protocol: 'ews', ews: { autodiscover: true, autodiscoverUrl: ews.autodiscoverUrl }, auth: { type: 'basic' }, credentials: 'mailbox' }),
      graphWrongSecret: await profile({ name: 'Graph wrong secret', direction: 'incoming', protocol: 'graph', graph: graphSettings({ clientSecret: 'not-the-secret' }) }),
      graphWrongUrl: await profile({ name: 'Graph wrong URL', direction: 'incoming', protocol: 'graph', graph: graphSettings({ baseUrl: graph.baseUrl.replace('/v1.0', '/v9.9') }) }),
      graphWrongTenant: await profile({
        name: 'Graph wrong tenant', direction: 'incoming', protocol: 'graph',
        graph: graphSettings({ tenantId: OTHER_TENANT, authority: graph.authority.replace(graph.tenantId, OTHER_TENANT) }),
      }),
    };
    const other = await router.call<{ id: string }>('POST', '/api/v1/deployments', { name: 'Access failures', crm: { type: 'builtin' } });
    const tryAccess = async (address: string, incomingProfileId: string, password?: string) => {
      const mb = await router.call<Mailbox>('POST', '/api/v1/mailboxes', { deploymentId: other.id, kind: 'user', address, incomingProfileId, ...(password ? { password } : {}) }, 201);
      return (await router.call<AccessResult>('POST', `/api/v1/mailboxes/${mb.id}/test-access`, undefined, 200)).incoming;
    };

    const wrongPassword = await tryAccess('frank@contoso.test', profiles.ewsBasic.id, 'not-his-password');
    expect(wrongPassword.status).toBe('failure');
    expect(wrongPassword.message).toMatch(/401/);
    const wrongUrl = await tryAccess('erin@contoso.test', bad.ewsWrongUrl.id, 'x-Unused-1');
    expect(wrongUrl).toMatchObject({ status: 'failure', message: expect.stringMatching(/404/) });
    expect(wrongUrl.message).toContain('/EWS/Wrong.asmx');
    const noAutodiscover = await tryAccess('ghost@contoso.test', bad.ewsAutodiscover.id, 'whatever-1');
    expect(noAutodiscover).toMatchObject({ status: 'failure', message: expect.stringMatching(/Autodiscover.*ghost@contoso\.test/) });

    const wrongSecret = await tryAccess('gina@fabrikam.test', bad.graphWrongSecret.id);
    expect(wrongSecret).toMatchObject({ status: 'failure', message: expect.stringContaining('AADSTS7000215') });
    const graphWrongUrl = await tryAccess('harry@fabrikam.test', bad.graphWrongUrl.id);
    expect(graphWrongUrl).toMatchObject({ status: 'failure', message: expect.stringMatching(/404/) });
    const wrongTenant = await tryAccess('crm@fabrikam.test', bad.graphWrongTenant.id);
    expect(wrongTenant).toMatchObject({ status: 'failure', message: expect.stringMatching(/tenant discovery failed.*AADSTS90002/s) });

    // and the working ones say so
    const ok = await router.call<AccessResult>('POST', `/api/v1/mailboxes/${mailboxes.erin.id}/test-access`, undefined, 200);
    expect(ok.incoming.status).toBe('success');
    expect(ok.outgoing.status).toBe('success');
    const okGraph = await router.call<AccessResult>('POST', `/api/v1/mailboxes/${mailboxes.harry.id}/test-access`, undefined, 200);
    expect(okGraph.incoming.status).toBe('success');
    expect(okGraph.outgoing.status).toBe('success');
  });
});
