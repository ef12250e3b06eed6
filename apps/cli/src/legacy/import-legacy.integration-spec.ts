import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigService } from '../testing/config-service';
import { testingKit } from '../testing/testing-kit';
import { runCaptured } from '../testing/run-cli';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kit = testingKit;

const SAMPLE = join(__dirname, 'fixtures', 'Microsoft.Crm.Tools.EmailAgent.xml');
const SMTP_ENV = 'MAILROUTER_SECRET_PROFILE_CONTOSO_SMTP_PASSWORD';
const ALICE_ENV = 'MAILROUTER_SECRET_MAILBOX_CONTOSO_CRM_ALICE_CONTOSO_COM_PASSWORD';

describe('mailrouter import-legacy (sample Microsoft.Crm.Tools.EmailAgent.xml, real config service)', () => {
  const api = new ConfigService(kit);
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailrouter-legacy-'));
    await api.start('cli-legacy');
  });

  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run reports the plan and every unmapped part, and changes nothing', async () => {
    const run = await runCaptured(['import-legacy', SAMPLE, '--dry-run'], api.env(), dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ create profile "Contoso POP3"');
    expect(run.stdout).toContain('+ create mailbox crmforward@contoso.com (deployment "Contoso CRM")');
    for (const unmapped of [
      '! SystemConfiguration/MaxThreads = 50: ',
      '! SystemConfiguration/ConfigUpdatePeriod = 3600000: users and queues are loaded from the CRM on demand',
      '! ProviderConfiguration "Legacy Exchange 2007": Exchange 2007 profile',
      '! ProviderConfiguration "Contoso SMTP"/MaximumDeliveryAttempts = 10: outgoing retries and delays are settings of the outgoing service',
      '! Deployment "Contoso CRM"/CrmServerUrl = https://crm.contoso.com (organisation Contoso): created with the built-in CRM',
      '! profile "Contoso SMTP": not created: its account\'s password is encrypted in the original file',
      `set ${SMTP_ENV} and run import-legacy again`,
      '! user "Carol Clark" (deployment "Contoso CRM")/IncomingProfile = Legacy Exchange 2007: that profile was not imported',
      `! user alice@contoso.com password: not set: encrypted in the original file (the router's machine key), so it cannot be read: set ${ALICE_ENV}`,
    ]) expect(run.stdout).toContain(unmapped);
    expect(run.stdout).toContain('dry run: nothing was changed');
    expect(await api.live()).toEqual({ profiles: [], deployments: [], mailboxes: [] });
  });

  it('creates the mappable profiles, the deployment and its users, queue and forward mailbox as a draft', async () => {
    const run = await runCaptured(['import-legacy', SAMPLE], api.env(), dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const live = await api.live();
    const byName = Object.fromEntries(live.profiles.map((p: Json) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['Contoso Exchange 2013', 'Contoso POP3']);
    expect(byName['Contoso POP3']).toMatchObject({ direction: 'incoming', protocol: 'pop3', host: 'pop.contoso.com', port: 995, security: 'tls', credentials: 'mailbox', pollIntervalSeconds: 120, auth: { type: 'basic' } });
    expect(byName['Contoso Exchange 2013']).toMatchObject({ protocol: 'ews', auth: { type: 'ntlm' }, credentials: 'mailbox', ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx' } });
    expect(live.deployments).toHaveLength(1);
    expect(live.deployments[0]).toMatchObject({ name: 'Contoso CRM', crm: { type: 'builtin' }, incomingProfileId: byName['Contoso POP3'].id, outgoingProfileId: null });
    const mailboxes = Object.fromEntries(live.mailboxes.map((m: Json) => [m.address, m]));
    expect(Object.keys(mailboxes).sort()).toEqual(['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'crmforward@contoso.com', 'support@contoso.com']);
    expect(mailboxes['alice@contoso.com']).toMatchObject({ kind: 'user', name: 'Alice Adams', crmId: '6f1c2d9e-8a1b-4c3d-9e8f-0a1b2c3d4e01', username: 'CONTOSO\\alice', hasPassword: false, incomingProfileId: null });
    expect(mailboxes['bob@contoso.com'].incomingProfileId).toBe(byName['Contoso Exchange 2013'].id);
    expect(mailboxes['carol@contoso.com'].incomingProfileId).toBeNull();
    expect(mailboxes['support@contoso.com']).toMatchObject({ kind: 'queue', crmId: '0b9a8c7d-1e2f-4a3b-8c9d-0e1f2a3b4c05' });
    expect(mailboxes['crmforward@contoso.com']).toMatchObject({ kind: 'forward', deleteAfterProcessing: true, incomingProfileId: byName['Contoso POP3'].id });
    expect(await api.call('GET', '/api/v1/publish')).toEqual([]);
  });

  it('run again with the passwords supplied: adds only what was missing, then nothing', async () => {
    const env = api.env({ [SMTP_ENV]: 'smtp-secret-1', [ALICE_ENV]: 'alice-secret-1' });
    const run = await runCaptured(['import-legacy', SAMPLE], env, dir);
    expect(run.code).toBe(0);
    const plan = run.stdout.split('Not mapped')[0];
    expect(plan).toContain('+ create profile "Contoso SMTP"');
    expect(plan).toContain('~ update deployment "Contoso CRM": outgoingProfile null → "Contoso SMTP"');
    expect(plan).toContain('~ update mailbox alice@contoso.com (deployment "Contoso CRM"): password set');
    expect(plan.match(/^ {2}[+~-] /gm)).toHaveLength(3);
    const live = await api.live();
    const smtp = live.profiles.find((p: Json) => p.name === 'Contoso SMTP');
    expect(smtp).toMatchObject({ protocol: 'smtp', port: 587, security: 'starttls', credentials: 'profile', username: 'crmrouter@contoso.com', hasPassword: true });
    expect(live.deployments[0].outgoingProfileId).toBe(smtp.id);
    expect(live.mailboxes.find((m: Json) => m.address === 'alice@contoso.com').hasPassword).toBe(true);
    const again = await runCaptured(['import-legacy', SAMPLE, '--json'], env, dir);
    const report = JSON.parse(again.stdout);
    expect(report.plan).toEqual([]);
    expect(report.unmapped.map((u: Json) => u.at)).toContain('ProviderConfiguration "Legacy Exchange 2007"');
  });

  it('refuses a file that is not the E-mail Router configuration (exit 2)', async () => {
    writeFileSync(join(dir, 'broken.xml'), '<Configuration><ProviderConfiguration></Configuration>');
    const broken = await runCaptured(['import-legacy', 'broken.xml'], api.env(), dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.xml: not well-formed XML');
    writeFileSync(join(dir, 'other.xml'), '<settings/>');
    const other = await runCaptured(['import-legacy', 'other.xml'], api.env(), dir);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('the root element is <settings>, expected <Configuration>');
  });
});
