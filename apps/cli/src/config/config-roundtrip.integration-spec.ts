import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { decodeSecretKey, openSecret } from '@mailrouter/platform';
import { freePort } from '@mailrouter/testing';
import { ConfigService } from '../testing/config-service';
import { testingKit } from '../testing/testing-kit';
import { runCaptured } from '../testing/run-cli';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kit = testingKit;

const SECRETS = {
  smtp: 'smtp-Pa55-' + randomBytes(6).toString('hex'),
  pop: 'pop-Pa55-' + randomBytes(6).toString('hex'),
  alice: 'alice-Pa55-' + randomBytes(6).toString('hex'),
  forward: 'fwd-Pa55-' + randomBytes(6).toString('hex'),
  dataverse: 'dv-Secret-' + randomBytes(6).toString('hex'),
};
/** The env names export generates for them (documented in docs/cli.md). */
const SECRET_ENV = {
  MAILROUTER_SECRET_PROFILE_CONTOSO_SMTP_PASSWORD: SECRETS.smtp,
  MAILROUTER_SECRET_PROFILE_FABRIKAM_POP3_PASSWORD: SECRETS.pop,
  MAILROUTER_SECRET_DEPLOYMENT_FABRIKAM_CRM_CLIENT_SECRET: SECRETS.dataverse,
  MAILROUTER_SECRET_MAILBOX_CONTOSO_ALICE_CONTOSO_TEST_PASSWORD: SECRETS.alice,
  MAILROUTER_SECRET_MAILBOX_FABRIKAM_FORWARD_FABRIKAM_TEST_PASSWORD: SECRETS.forward,
};

async function seed(s: ConfigService): Promise<void> {
  const imap = await s.call('POST', '/api/v1/profiles', { name: 'Contoso IMAP', direction: 'incoming', protocol: 'imap', host: 'imap.contoso.test', security: 'starttls', pollIntervalSeconds: 30 });
  const smtp = await s.call('POST', '/api/v1/profiles', { name: 'Contoso SMTP', direction: 'outgoing', protocol: 'smtp', host: 'smtp.contoso.test', port: 587, security: 'starttls', credentials: 'profile', username: 'router@contoso.test', password: SECRETS.smtp, maxConnections: 8 });
  const pop = await s.call('POST', '/api/v1/profiles', { name: 'Fabrikam POP3', direction: 'incoming', protocol: 'pop3', host: 'pop.fabrikam.test', credentials: 'profile', username: 'fwd@fabrikam.test', password: SECRETS.pop });
  const contoso = await s.call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id, outgoingProfileId: smtp.id, tracking: { token: { prefix: 'CTS:', baseNumber: 7 }, smartMatching: { enabled: true } } });
  const fabrikam = await s.call('POST', '/api/v1/deployments', { name: 'Fabrikam', incomingProfileId: pop.id, crm: { type: 'dataverse', url: 'https://fabrikam.crm.dynamics.com', tenantId: 'fabrikam.onmicrosoft.com', clientId: '3f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e5f', clientSecret: SECRETS.dataverse } });
  await s.call('POST', '/api/v1/mailboxes', { deploymentId: contoso.id, kind: 'user', address: 'alice@contoso.test', name: 'Alice', crmId: 'u-1', username: 'CONTOSO\\alice', password: SECRETS.alice });
  await s.call('POST', '/api/v1/mailboxes', { deploymentId: contoso.id, kind: 'queue', address: 'support@contoso.test', crmId: 'q-1', enabled: false });
  await s.call('POST', '/api/v1/mailboxes', { deploymentId: contoso.id, kind: 'user', address: 'bob@contoso.test', crmId: 'u-2', incomingProfileId: pop.id });
  await s.call('POST', '/api/v1/mailboxes', { deploymentId: fabrikam.id, kind: 'forward', address: 'forward@fabrikam.test', password: SECRETS.forward, deleteAfterProcessing: true });
}

/** An export without its first line (which names the source URL). */
const body = (yaml: string) => yaml.split('\n').slice(1).join('\n');

describe('mailrouter config export / apply (real config services, PostgreSQL, NATS)', () => {
  const source = new ConfigService(kit);
  const target = new ConfigService(kit);
  let dir: string;
  let exported: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailrouter-cli-'));
    await Promise.all([source.start('cli-source'), target.start('cli-target')]);
    await seed(source);
  });

  afterAll(async () => {
    await Promise.all([source.stop(), target.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports YAML without any secret, each secret an env reference listed in the header', async () => {
    const run = await runCaptured(['config', 'export', '-o', 'exported.yaml'], source.env(), dir);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    exported = readFileSync(join(dir, 'exported.yaml'), 'utf8');
    for (const secret of Object.values(SECRETS)) expect(exported).not.toContain(secret);
    for (const name of Object.keys(SECRET_ENV)) {
      expect(exported).toContain(`#   ${name}  (`);
      expect(exported).toContain(`From: { env: ${name} }`);
    }
    expect(exported).toMatch(/Secrets are NEVER written/);
    // Names, not ids; a stable order; the deployment's settings whole.
    const live = await source.live();
    for (const item of [...live.profiles, ...live.deployments, ...live.mailboxes]) expect(exported).not.toContain(item.id);
    expect(exported).toMatch(/incomingProfile: Contoso IMAP\n\s+outgoingProfile: Contoso SMTP/);
    expect(exported.indexOf('name: Contoso IMAP')).toBeLessThan(exported.indexOf('name: Contoso SMTP'));
    expect(exported).toContain('prefix: "CTS:"');
    // Deterministic: a second export is the same text.
    expect((await runCaptured(['config', 'export'], source.env(), dir)).stdout).toBe(exported);
  });

  it('refuses to apply with a secret missing, naming it, and changes nothing (exit 2)', async () => {
    const { MAILROUTER_SECRET_MAILBOX_CONTOSO_ALICE_CONTOSO_TEST_PASSWORD: _gone, ...partial } = SECRET_ENV;
    const run = await runCaptured(['config', 'apply', '-f', 'exported.yaml'], target.env(partial), dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MAILROUTER_SECRET_MAILBOX_CONTOSO_ALICE_CONTOSO_TEST_PASSWORD is not set');
    expect((await target.live()).profiles).toEqual([]);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const run = await runCaptured(['config', 'apply', '-f', 'exported.yaml', '--dry-run'], target.env(SECRET_ENV), dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ create profile "Contoso SMTP"');
    expect(run.stdout).toContain('+ create mailbox forward@fabrikam.test (deployment "Fabrikam")');
    expect(run.stdout).toContain('dry run: 9 to create, 0 to update, 0 to delete, 0 unchanged; nothing was changed');
    expect(await target.live()).toEqual({ profiles: [], deployments: [], mailboxes: [] });
  });

  it('applies onto a fresh database: the target exports the same configuration, secrets included', async () => {
    const run = await runCaptured(['config', 'apply', '-f', 'exported.yaml'], target.env(SECRET_ENV), dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('applied 9 change(s)');
    const again = await runCaptured(['config', 'export'], target.env(), dir);
    expect(body(again.stdout)).toBe(body(exported));

    // The secrets arrived (sealed with the target's own key) — the API never shows them, so read the rows.
    const pg = new Client({ connectionString: target.dbUrl });
    await pg.connect();
    try {
      const key = decodeSecretKey(target.secretKey);
      const profiles = await pg.query(`SELECT name, password FROM config.profile WHERE password IS NOT NULL ORDER BY name`);
      expect(profiles.rows.map((r) => [r.name, openSecret(key, r.password)])).toEqual([['Contoso SMTP', SECRETS.smtp], ['Fabrikam POP3', SECRETS.pop]]);
      const mailboxes = await pg.query(`SELECT address, password FROM config.mailbox WHERE password IS NOT NULL ORDER BY address`);
      expect(mailboxes.rows.map((r) => [r.address, openSecret(key, r.password)])).toEqual([['alice@contoso.test', SECRETS.alice], ['forward@fabrikam.test', SECRETS.forward]]);
      const dep = await pg.query(`SELECT crm_client_secret FROM config.deployment WHERE name = 'Fabrikam'`);
      expect(openSecret(key, dep.rows[0].crm_client_secret)).toBe(SECRETS.dataverse);
    } finally {
      await pg.end();
    }
  });

  it('applying the same file again changes nothing', async () => {
    const before = await target.live();
    const run = await runCaptured(['config', 'apply', '-f', 'exported.yaml'], target.env(SECRET_ENV), dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('no changes (9 item(s) already as in exported.yaml)\n');
    expect(await target.live()).toEqual(before);
  });

  it('shows field-level updates, keeps unlisted items unless --prune, and deletes them with it', async () => {
    const edited = exported
      .replace('pollIntervalSeconds: 30', 'pollIntervalSeconds: 45')
      .replace('prefix: "CTS:"', 'prefix: "CON:"')
      .replace(/  - deployment: Contoso\n    address: bob@contoso\.test\n(    .*\n)+?(?=  - )/, '');
    expect(edited).not.toContain('bob@contoso.test');
    writeFileSync(join(dir, 'edited.yaml'), edited);
    const before = await target.live();
    const dry = await runCaptured(['config', 'apply', '-f', 'edited.yaml', '--dry-run'], target.env(SECRET_ENV), dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('~ update profile "Contoso IMAP": pollIntervalSeconds 30 → 45');
    expect(dry.stdout).toContain('~ update deployment "Contoso": tracking.token.prefix "CTS:" → "CON:"');
    expect(dry.stdout).toContain('1 live item(s) not in the file are kept (--prune deletes them): mailbox bob@contoso.test (deployment "Contoso")');
    expect(await target.live()).toEqual(before);

    const run = await runCaptured(['config', 'apply', '-f', 'edited.yaml', '--prune'], target.env(SECRET_ENV), dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('- delete mailbox bob@contoso.test (deployment "Contoso")');
    const after = await target.live();
    expect(after.mailboxes.map((m: Json) => m.address).sort()).toEqual(['alice@contoso.test', 'forward@fabrikam.test', 'support@contoso.test']);
    expect(after.profiles.find((p: Json) => p.name === 'Contoso IMAP').pollIntervalSeconds).toBe(45);
    expect(after.deployments.find((d: Json) => d.name === 'Contoso').tracking.token).toMatchObject({ prefix: 'CON:', baseNumber: 7 });
    // Secrets untouched by a PATCH of other fields.
    expect(after.profiles.find((p: Json) => p.name === 'Contoso SMTP').hasPassword).toBe(true);
    expect((await runCaptured(['config', 'apply', '-f', 'edited.yaml', '--prune'], target.env(SECRET_ENV), dir)).stdout).toMatch(/^no changes/);
  });

  it('refuses inline secrets and unknown references before calling the API (exit 2)', async () => {
    writeFileSync(join(dir, 'inline.yaml'), 'profiles:\n  - name: X\n    direction: outgoing\n    protocol: smtp\n    host: smtp.x.test\n    password: hunter2\n');
    const inline = await runCaptured(['config', 'apply', '-f', 'inline.yaml'], target.env(), dir);
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain('profiles[0].password: inline secret values are refused; write passwordFrom: { env: NAME }');
    writeFileSync(join(dir, 'dangling.yaml'), 'mailboxes:\n  - deployment: Nowhere\n    address: a@b.test\n    kind: user\n');
    const dangling = await runCaptured(['config', 'apply', '-f', 'dangling.yaml'], target.env(), dir);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain('mailboxes[0].deployment: no deployment named "Nowhere"');
  });

  it('reports what the API refused with its own words (exit 1), and auth / connection failures (exit 3)', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'profiles:\n  - name: Bad port\n    direction: incoming\n    protocol: imap\n    host: imap.x.test\n    port: 70000\n');
    const bad = await runCaptured(['config', 'apply', '-f', 'bad.yaml'], target.env(), dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('FAILED to create profile "Bad port": POST /api/v1/profiles → 400: port: ');
    const wrongToken = await runCaptured(['config', 'export'], { MAILROUTER_URL: target.url, MAILROUTER_TOKEN: 'not-the-token-at-all' }, dir);
    expect(wrongToken.code).toBe(3);
    expect(wrongToken.stderr).toContain('refused the token (401)');
    const down = await runCaptured(['config', 'export'], { MAILROUTER_URL: `http://127.0.0.1:${await freePort()}`, MAILROUTER_TOKEN: target.token }, dir);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach the MailRouter API');
    const noToken = await runCaptured(['config', 'export'], { MAILROUTER_URL: target.url }, dir);
    expect(noToken.code).toBe(2);
  });

  it('runs as a process: the launcher exits with the command\'s code', async () => {
    const root = join(__dirname, '..', '..', '..', '..');
    const run = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['-r', join(root, 'tools', 'register.js'), join(root, 'apps', 'cli', 'src', 'main.ts'), ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } })
        .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    const ok = await run(['config', 'apply', '-f', 'exported.yaml', '--dry-run'], target.env(SECRET_ENV));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('~ update profile "Contoso IMAP": pollIntervalSeconds 45 → 30');
    const usage = await run(['config', 'apply'], target.env());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('-f FILE is required');
  });
});
