/**
 * Roles in the web console, in a real headless Chromium against the config service as a
 * process: an admin signs in with a username and password (the first admin comes from
 * ROUTER_ADMIN_USER / ROUTER_ADMIN_PASSWORD), creates a viewer in the Users page, and the viewer
 * sees the configuration with no way to change it and no secret field — and the API refuses
 * the viewer's session too.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '@mailrouter/testing';
import { BrowserUnderTest } from './support/browser';
import { RouterUnderTest } from './support/router';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ADMIN = { username: 'ada', password: 'ada-Console-Passw0rd' };
const VIEWER = { username: 'vera', password: 'vera-Console-Passw0rd' };
const PROFILE_PASSWORD = 'roles-Profile-Pa55-71ab';

describe('web console roles', () => {
  const router = new RouterUnderTest({ ROUTER_ADMIN_USER: ADMIN.username, ROUTER_ADMIN_PASSWORD: ADMIN.password });
  const browser = new BrowserUnderTest();
  let page: Page;
  let profile: Json;
  const nav = (section: string) => page.getByRole('navigation').getByRole('link', { name: section, exact: true }).click();
  const signIn = async (who: { username: string; password: string }) => {
    await page.locator('[name="username"]').fill(who.username);
    await page.locator('[name="password"]').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-whoami]').getByText(who.username, { exact: true }).waitFor();
  };

  beforeAll(async () => {
    await Promise.all([router.start(['config']), browser.start()]);
    page = browser.page;
    // Configuration to look at, made with the API token (still an admin).
    profile = await router.call<Json>('POST', '/api/v1/profiles', {
      name: 'Roles IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143, security: 'none',
      credentials: 'profile', username: 'router', password: PROFILE_PASSWORD,
    });
    const smtp = await router.call<Json>('POST', '/api/v1/profiles', {
      name: 'Roles SMTP', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: 2525, security: 'none', auth: { type: 'none' },
    });
    const deployment = await router.call<Json>('POST', '/api/v1/deployments', { name: 'Roles Org', incomingProfileId: profile.id, outgoingProfileId: smtp.id });
    await router.call('POST', '/api/v1/mailboxes', { deploymentId: deployment.id, kind: 'queue', address: 'support@roles.test', password: 'queue-Pa55-x' });
  });

  afterAll(async () => {
    await browser.stop();
    await router.stop();
  });

  afterEach(() => {
    expect(browser.errors).toEqual([]);
    browser.errors.length = 0;
  });

  it('still signs in with the API token (ROUTER_API_TOKEN) as an admin, and refuses a wrong one', async () => {
    await page.goto(`${router.url('config')}/console/`);
    await page.locator('[name="token"]').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was refused (401 Unauthorized)').waitFor();
    await page.locator('[name="token"]').fill(router.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-whoami]').getByText('ROUTER_API_TOKEN', { exact: true }).waitFor();
    expect(await page.locator('[data-role]').textContent()).toBe('admin');
    await page.getByRole('link', { name: 'Roles IMAP' }).waitFor();
    expect(await page.getByRole('button', { name: 'New profile' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
  });

  it('an admin signs in with a password, creates a viewer and an API token in the Users page, and sees it in the audit log', async () => {
    await page.locator('[name="username"]').fill(ADMIN.username);
    await page.locator('[name="password"]').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Sign-in refused (401): Wrong username or password.').waitFor();
    await signIn(ADMIN);
    expect(await page.locator('[data-role]').textContent()).toBe('admin');

    await nav('Users');
    await page.locator('[name="new-username"]').fill(VIEWER.username);
    await page.locator('[name="new-role"]').selectOption('viewer');
    await page.locator('[name="new-password"]').fill(VIEWER.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator(`tr[data-username="${VIEWER.username}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'API tokens' }).click();
    await row.locator(`[name="token-name-${VIEWER.username}"]`).fill('reporting');
    await row.getByRole('button', { name: 'Create API token' }).click();
    const shown = (await row.locator('[data-token]').textContent())!;
    expect(shown).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await browser.screenshot('users');

    const users = await router.call<Json[]>('GET', '/api/v1/users');
    expect(users.map((u) => [u.username, u.role, u.disabled]).sort()).toEqual([[ADMIN.username, 'admin', false], [VIEWER.username, 'viewer', false]]);
    // The once-shown token works, as the viewer.
    const me = await fetch(`${router.url('config')}/api/v1/me`, { headers: { authorization: `Bearer ${shown}` } });
    expect(((await me.json()) as Json).role).toBe('viewer');

    await nav('Audit');
    const created = page.locator('tr', { has: page.locator('code', { hasText: /^POST \/api\/v1\/users$/ }) }).first();
    await created.waitFor();
    expect(await created.textContent()).toContain(ADMIN.username);
    expect(await created.textContent()).toContain('"password":"***"');
    expect(await page.locator('table.audit').textContent()).not.toContain(VIEWER.password);
    await browser.screenshot('audit');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
  });

  it('a viewer sees the configuration with nothing to change, no secret field, and the API refuses the session', async () => {
    await signIn(VIEWER);
    expect(await page.locator('[data-role]').textContent()).toBe('viewer');
    const links = await page.getByRole('navigation').getByRole('link').allTextContents();
    expect(links).not.toContain('Users');
    expect(links).not.toContain('Audit');
    // The admin's last page was the audit log: the viewer is told, not shown it.
    await page.getByText('Your role cannot read the audit log.').waitFor();
    await nav('Profiles');
    await page.getByRole('link', { name: 'Roles IMAP' }).waitFor();
    expect(await page.getByRole('button', { name: /New .*profile/ }).count()).toBe(0);
    await browser.screenshot('viewer-profiles');

    await page.getByRole('link', { name: 'Roles IMAP' }).click();
    await page.locator('[name="host"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save profile' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Delete profile' }).isDisabled()).toBe(true);
    expect(await page.locator('main input[type="password"], main [name="password"], main textarea[name*="privateKey"]').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain(PROFILE_PASSWORD);

    await nav('Mailboxes');
    await page.locator('tr[data-address="support@roles.test"]').waitFor();
    expect(await page.getByRole('button', { name: /^Test all/ }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'New mailbox' }).count()).toBe(0);
    await page.locator('tr[data-address="support@roles.test"]').getByRole('link').first().click();
    await page.getByRole('button', { name: 'Save mailbox' }).waitFor();
    expect(await page.getByRole('button', { name: 'Save mailbox' }).isDisabled()).toBe(true);
    expect(await page.locator('main input[type="password"]').count()).toBe(0);

    await nav('Publish');
    await page.getByRole('button', { name: 'Publish' }).waitFor();
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);

    // The same session, straight to the API: reads yes, changes no (403 naming the role).
    const token = await page.evaluate(() => sessionStorage.getItem('mailrouter.console.token'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const base = router.url('config');
    expect((await fetch(`${base}/api/v1/profiles/${profile.id}`, { headers })).status).toBe(200);
    const refused = await fetch(`${base}/api/v1/profiles/${profile.id}`, { method: 'PATCH', headers, body: JSON.stringify({ host: 'evil.example' }) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).message).toBe(`PATCH /api/v1/profiles/${profile.id} needs the admin role; ${VIEWER.username} is viewer`);
    expect((await fetch(`${base}/api/v1/publish`, { method: 'POST', headers, body: '{}' })).status).toBe(403);
    expect((await router.call<Json>('GET', `/api/v1/profiles/${profile.id}`)).host).toBe('127.0.0.1');

    // Signing out ends the session on the server.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    await waitFor('the session to end', async () => (await fetch(`${base}/api/v1/profiles`, { headers })).status === 401, 5_000);
  });
});
