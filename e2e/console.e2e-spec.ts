/**
 * The web console in a real headless Chromium against the four services as processes: the
 * seed's story (profiles, deployment, Load Data, credentials, Test Access, publish, a tracked
 * mail found in Trace) done through the UI only, as an admin would.
 */
import { appendToInbox, buildMime, createMailUser, MailUser, SmtpSink, TEST_DOVECOT, waitFor } from '@mailrouter/testing';
import type { Page } from 'playwright-core';
import { BrowserUnderTest } from './support/browser';
import { RouterUnderTest } from './support/router';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('web console', () => {
  const router = new RouterUnderTest();
  const sink = new SmtpSink();
  const browser = new BrowserUnderTest();
  let alice: MailUser;
  let bob: MailUser;
  let page: Page;
  const consoleUrl = () => `${router.url('config')}/console/`;
  const nav = (section: string) => page.getByRole('navigation').getByRole('link', { name: section, exact: true }).click();

  beforeAll(async () => {
    await sink.start();
    await Promise.all([router.start(), browser.start()]);
    page = browser.page;
    // The CRM has its users already (as a real CRM would); the router loads them in the UI.
    alice = createMailUser('calice');
    bob = createMailUser('cbob');
    for (const [who, mail] of [['Alice', alice], ['Bob', bob]] as const) {
      await router.call('POST', '/crm/v1/users', { fullName: `${who} Console`, email: mail.address, incomingTracking: 'all', emailRouter: true });
    }
  });

  afterAll(async () => {
    await browser.stop();
    await router.stop();
    await sink.stop();
  });

  afterEach(() => {
    // Any uncaught error or console error in the page fails the test that caused it.
    expect(browser.errors).toEqual([]);
    browser.errors.length = 0;
  });

  it('serves the app and its modules without the token, with types and cache headers, and nothing outside it', async () => {
    const base = router.url('config');
    const root = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(root.status).toBe(301);
    expect(root.headers.get('location')).toBe('/console/');

    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self' 'sha256-");
    const html = await index.text();
    const importMap = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1]!) as { imports: Record<string, string> };
    expect(Object.keys(importMap.imports).sort()).toEqual(['htm', 'preact', 'preact/hooks']);

    const preact = await fetch(base + importMap.imports['preact']);
    expect(preact.status).toBe(200);
    expect(preact.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(preact.headers.get('cache-control')).toContain('immutable');
    expect(await preact.text()).toContain('export{');

    const app = await fetch(`${base}/console/app.js`);
    expect(app.headers.get('cache-control')).toBe('no-cache');
    const etag = app.headers.get('etag')!;
    expect((await fetch(`${base}/console/app.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${base}/console/styles.css`)).headers.get('content-type')).toMatch(/^text\/css/);

    for (const path of ['/console/%2e%2e/%2e%2e/main.ts', '/console/..%2fconsole.controller.ts', '/console/.hidden', '/console/console-files.ts', '/console/nope.js']) {
      expect([path, (await fetch(base + path)).status]).toEqual([path, 404]);
    }
    // The API itself still wants the token.
    expect((await fetch(`${base}/api/v1/profiles`)).status).toBe(401);
  });

  it('walks the seed story through the UI: profiles, deployment, Load Data, credentials, Test Access, publish, trace', async () => {
    await page.goto(consoleUrl());

    // Sign in: a wrong token is refused with a clear message, the right one opens the console.
    await page.locator('[name="token"]').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was refused (401 Unauthorized)').waitFor();
    await browser.screenshot('sign-in');
    await page.locator('[name="token"]').fill(router.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No profiles yet — create the incoming profile your mailboxes are read with').waitFor();
    await browser.screenshot('profiles-empty');

    // Incoming IMAP profile; first without a host: the API's 400 shows next to the field.
    await page.getByRole('button', { name: 'New incoming profile' }).click();
    await page.locator('[name="name"]').fill('Test Dovecot IMAP');
    await page.locator('[name="security"]').selectOption('none');
    await page.locator('[name="port"]').fill('10143');
    await page.locator('[name="pollIntervalSeconds"]').fill('1');
    await page.getByRole('button', { name: 'Create profile' }).click();
    const hostError = page.locator('.field-error[data-field="host"]');
    await hostError.waitFor();
    expect(await hostError.textContent()).toBe('is required for protocol imap');
    await browser.screenshot('profile-form-error');
    await page.locator('[name="host"]').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('link', { name: 'Test Dovecot IMAP' }).waitFor();

    // Outgoing SMTP profile to the sink, no authentication.
    await page.getByRole('button', { name: 'New profile' }).click();
    await page.locator('[name="name"]').fill('Test SMTP sink');
    await page.locator('[name="direction"]').selectOption('outgoing');
    await page.locator('[name="host"]').fill('127.0.0.1');
    await page.locator('[name="port"]').fill(String(sink.port));
    await page.locator('[name="security"]').selectOption('none');
    await page.locator('[name="auth.type"]').selectOption('none');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('link', { name: 'Test SMTP sink' }).waitFor();
    await browser.screenshot('profiles');
    const profiles = await router.call<Json[]>('GET', '/api/v1/profiles');
    expect(profiles.map((p) => [p.name, p.direction, p.protocol, p.host, p.port, p.security]).sort()).toEqual([
      ['Test Dovecot IMAP', 'incoming', 'imap', '127.0.0.1', 10143, 'none'],
      ['Test SMTP sink', 'outgoing', 'smtp', '127.0.0.1', sink.port, 'none'],
    ]);

    // Deployment on the built-in CRM with both profiles, then Load Data.
    await nav('Deployments');
    await page.getByRole('button', { name: 'New deployment' }).first().click();
    await page.locator('[name="name"]').fill('Console E2E');
    await page.locator('[name="incomingProfileId"]').selectOption({ label: 'Test Dovecot IMAP (imap)' });
    await page.locator('[name="outgoingProfileId"]').selectOption({ label: 'Test SMTP sink (smtp)' });
    await page.getByRole('button', { name: 'Create deployment' }).click();
    await page.getByRole('button', { name: 'Load Data' }).click();
    // A preview first: nothing is written until Apply.
    await page.getByText('Preview (nothing written yet): 2 to create').waitFor();
    expect(await router.call<Json[]>('GET', '/api/v1/mailboxes')).toEqual([]);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Load Data done: 2 created').waitFor();
    for (const mail of [alice, bob]) await page.getByRole('link', { name: mail.address }).waitFor();
    await browser.screenshot('deployment-load-data');

    // Credentials: Alice's right, Bob's wrong.
    await nav('Mailboxes');
    for (const [mail, password] of [[alice, alice.password], [bob, 'wrong-password']] as const) {
      await page.getByRole('link', { name: mail.address }).click();
      await page.locator('[name="username"]').fill(mail.username);
      await page.locator('[name="password"]').fill(password);
      if (mail === bob) await browser.screenshot('mailbox-form');
      await page.getByRole('button', { name: 'Save mailbox' }).click();
      await page.locator(`tr[data-address="${mail.address}"]`).getByText(`signs in as ${mail.username}`).waitFor();
    }

    // Test Access for all: progress N of M, one success, one failure with the server's words in the grid.
    await page.getByRole('button', { name: 'Test all (2)' }).click();
    await page.getByText('Tested: 2 of 2').waitFor({ timeout: 30_000 });
    await page.getByText('Test Access finished: 1 passed, 1 with a failure.').waitFor();
    const row = (mail: MailUser) => page.locator(`tr[data-address="${mail.address}"]`);
    expect(await row(alice).locator('td.incoming-test .badge').textContent()).toBe('success');
    expect(await row(alice).locator('td.outgoing-test .badge').textContent()).toBe('success');
    expect(await row(bob).locator('td.incoming-test .badge').textContent()).toBe('failure');
    const mailboxes = await router.call<Json[]>('GET', '/api/v1/mailboxes');
    const bobStored = mailboxes.find((m) => m.address === bob.address)!;
    expect(bobStored.test.incoming.status).toBe('failure');
    expect(bobStored.test.incoming.message).toMatch(/auth/i);
    expect(await row(bob).locator('td.incoming-test .msg').first().textContent()).toBe(bobStored.test.incoming.message);
    await browser.screenshot('mailboxes');

    // Publish: the draft differs from nothing published; publish with a comment.
    await nav('Publish');
    await page.getByText('nothing is published yet').waitFor();
    await page.locator('table.changes tbody tr').nth(2).waitFor();
    expect(await page.locator('table.changes tbody tr').allTextContents()).toEqual([
      'deploymentConsole E2Eadded', `mailbox${alice.address}added`, `mailbox${bob.address}added`,
    ].sort((a, b) => (a.startsWith('d') ? -1 : b.startsWith('d') ? 1 : a.localeCompare(b))));
    await page.locator('[name="comment"]').fill('console e2e');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published version 1 (2 mailboxes)').waitFor();
    await page.getByText('No differences: the draft is what runs.').waitFor();
    expect(await page.locator('table.history tbody tr').first().textContent()).toContain('console e2e');
    await browser.screenshot('publish');

    // Publish again, then roll back to version 1: it runs again as version 3.
    await page.locator('[name="comment"]').fill('second');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published version 2 (2 mailboxes)').waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.locator('table.history tr[data-version="1"]').getByRole('button', { name: 'Roll back to this version' }).click();
    await page.getByText('Rolled back to version 1: published as version 3').waitFor();
    await page.locator('.current-version', { hasText: /^3$/ }).waitFor(); // the history reloads after the banner

    // A mail to Alice is tracked; Trace finds it with its verdict.
    const messageId = `<console-${Date.now()}@contoso.test>`;
    await appendToInbox(alice, await buildMime({ from: 'dana@contoso.test', to: alice.address, subject: 'Console quote', messageId, text: 'Hello' }));
    await waitFor('the mail settled', async () => {
      const answer = await router.call<{ items: Json[] }>('GET', `/api/v1/trace/${encodeURIComponent(messageId)}`);
      return answer.items[0]?.stage === 'settled' || undefined;
    }, 30_000);
    await nav('Trace');
    await page.locator('[name="messageId"]').fill(messageId);
    await page.getByRole('button', { name: 'Search' }).click();
    const item = page.locator(`article.trace-item[data-message-id="${messageId}"]`);
    await item.waitFor();
    expect(await item.locator('.verdict').textContent()).toBe('tracked — accept-all');
    expect(await item.textContent()).toContain('Console quote');
    expect(await item.textContent()).toContain(`by ${alice.address} (user)`);
    await browser.screenshot('trace');
  });

  it('offers Exchange (EWS) and Microsoft 365 (Graph) profiles with their own fields; secrets are write-only', async () => {
    await nav('Profiles');
    await page.getByRole('button', { name: 'New profile' }).click();
    await page.locator('[name="name"]').fill('Exchange on premises');
    await page.locator('[name="protocol"]').selectOption('ews');
    expect(await page.locator('[name="host"]').count()).toBe(0);
    await page.getByLabel('Autodiscover (per mailbox)').check();
    await page.locator('[name="auth.type"]').selectOption('ntlm');
    await page.locator('[name="auth.domain"]').fill('CONTOSO');
    await page.locator('[name="credentials"]').selectOption('profile');
    await page.locator('[name="username"]').fill('svc-router');
    await page.locator('[name="password"]').fill('ews-secret-1');
    await page.locator('[name="ews.mailboxAccess"]').selectOption('delegate');
    await browser.screenshot('profile-form-ews');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('link', { name: 'Exchange on premises' }).waitFor();

    await page.getByRole('button', { name: 'New profile' }).click();
    await page.locator('[name="name"]').fill('Microsoft 365');
    await page.locator('[name="direction"]').selectOption('outgoing');
    await page.locator('[name="protocol"]').selectOption('graph');
    await page.locator('[name="graph.tenantId"]').fill('contoso.onmicrosoft.com');
    await page.locator('[name="graph.clientId"]').fill('11111111-2222-3333-4444-555555555555');
    await page.locator('[name="sendAccess"]').selectOption('on-behalf');
    await page.locator('[name="sendingAccount"]').fill('router@contoso.test');
    await page.getByRole('button', { name: 'Create profile' }).click();
    // The API's own problem, next to the field it names.
    const secretError = page.locator('.field-error[data-field="graph.clientSecret"]');
    await secretError.waitFor();
    expect(await secretError.textContent()).toMatch(/required/);
    await browser.screenshot('profile-form-graph-error');
    await page.locator('[name="graph.clientSecret"]').fill('graph-secret-2');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('link', { name: 'Microsoft 365' }).waitFor();

    const byName = new Map((await router.call<Json[]>('GET', '/api/v1/profiles')).map((p) => [p.name, p]));
    expect(byName.get('Exchange on premises')).toMatchObject({
      direction: 'incoming', protocol: 'ews', auth: { type: 'ntlm', domain: 'CONTOSO' }, credentials: 'profile', username: 'svc-router',
      hasPassword: true, ews: { autodiscover: true, url: null, mailboxAccess: 'delegate' },
    });
    expect(byName.get('Microsoft 365')).toMatchObject({
      direction: 'outgoing', protocol: 'graph', sendAccess: 'on-behalf', sendingAccount: 'router@contoso.test',
      graph: { tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555', hasClientSecret: true },
    });

    // Editing shows that a secret is set, never its value.
    await page.getByRole('link', { name: 'Microsoft 365' }).click();
    await page.locator('[name="graph.tenantId"]').waitFor();
    expect(await page.locator('.secret .badge').first().textContent()).toBe('set');
    expect(await page.content()).not.toContain('graph-secret-2');
  });

  it('deploys a forward rule from the Rules page to a forward mailbox, with the result per mailbox', async () => {
    // The IMAP profile's ManageSieve port is the test Dovecot's.
    await nav('Profiles');
    await page.getByRole('link', { name: 'Test Dovecot IMAP' }).click();
    await page.locator('[name="manageSievePort"]').fill(String(TEST_DOVECOT.manageSievePort));
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('link', { name: 'Test Dovecot IMAP' }).waitFor();

    const forward = createMailUser('cfwd');
    await nav('Forward rules');
    await page.getByText('No forward mailbox in this deployment — create one first').waitFor();
    await page.getByRole('button', { name: 'New mailbox' }).click();
    await page.locator('[name="kind"]').selectOption('forward');
    await page.locator('[name="address"]').fill(forward.address);
    await page.locator('[name="username"]').fill(forward.username);
    await page.locator('[name="password"]').fill(forward.password);
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await page.getByRole('link', { name: forward.address }).waitFor();

    await nav('Forward rules');
    await page.getByLabel(`Select ${alice.address}`).check();
    await page.getByRole('button', { name: 'Deploy rules (1)' }).click();
    const result = page.locator('table.rule-results tbody tr');
    await result.first().waitFor({ timeout: 30_000 });
    expect(await result.count()).toBe(1);
    expect(await result.first().locator('td').first().textContent()).toBe(alice.address);
    expect(await result.first().locator('.badge').textContent()).toBe('created');
    await page.getByText(`To ${forward.address}: 1 created.`).waitFor();
    await browser.screenshot('rules');
  });

  it('shows the running service per mailbox on Health, and the remaining pages render', async () => {
    await nav('Health');
    const aliceRow = page.locator(`table.health tr[data-address="${alice.address}"]`);
    await aliceRow.getByText('yes').waitFor();
    expect(await aliceRow.textContent()).toContain('version 3'); // 1, 2, then the rollback to 1 ran as 3
    // Bob's wrong password: the service's failed polls and the server's words, once it has polled (Refresh asks again).
    const bobRow = page.locator(`table.health tr[data-address="${bob.address}"]`);
    await waitFor('a failed poll of Bob\'s mailbox on Health', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(300);
      return (await bobRow.locator('.badge', { hasText: /^[1-9]\d*$/ }).count()) > 0;
    }, 20_000, 700);
    expect(await bobRow.textContent()).toContain('Authentication failed');
    await browser.screenshot('health');

    await nav('Deployments');
    await page.getByRole('link', { name: 'Console E2E' }).waitFor();
    await browser.screenshot('deployments');


    await nav('Profiles');
    await page.getByRole('link', { name: 'Test Dovecot IMAP' }).click();
    await page.locator('[name="host"]').waitFor();
    await browser.screenshot('profile-form');
  });
});
