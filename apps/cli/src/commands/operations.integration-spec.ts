import { createMailUser, SmtpSink, TEST_DOVECOT, waitFor } from '@mailrouter/testing';
import { ConfigService } from '../testing/config-service';
import { testingKit } from '../testing/testing-kit';
import { runCaptured } from '../testing/run-cli';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kit = testingKit;

describe('mailrouter test-access / publish / status / trace (config, incoming, outgoing as processes; Dovecot; SMTP)', () => {
  const api = new ConfigService(kit);
  const sink = new SmtpSink();
  const good = createMailUser('cligood');
  const bad = createMailUser('clibad');

  beforeAll(async () => {
    await sink.start();
    await api.start('cli-ops');
    await Promise.all([api.startApp('incoming', 'cli-ops'), api.startApp('outgoing', 'cli-ops')]);
    const imap = await api.call('POST', '/api/v1/profiles', { name: 'Dovecot IMAP', direction: 'incoming', protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none', pollIntervalSeconds: 2 });
    const smtp = await api.call('POST', '/api/v1/profiles', { name: 'Sink SMTP', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none', auth: { type: 'none' } });
    const dep = await api.call('POST', '/api/v1/deployments', { name: 'Ops', incomingProfileId: imap.id, outgoingProfileId: smtp.id });
    await api.call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', address: good.address, username: good.username, password: good.password });
    await api.call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', address: bad.address, username: bad.username, password: 'not-the-password' });
  });

  afterAll(async () => {
    await api.stop();
    await sink.stop();
  });

  it('test-access of one mailbox by address: a table of both directions, exit 0', async () => {
    const run = await runCaptured(['test-access', good.address], api.env());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${good.address}\\s+user\\s+success\\s+success$`, 'm'));
    expect(run.stdout).toContain('1 of 1 mailbox(es) passed');
    expect(run.stderr).toBe(`tested 1/1 ${good.address}: incoming success, outgoing success\n`);
  });

  it('test-access --all: the failure with the server\'s words, a bar on a terminal, exit 1', async () => {
    const run = await runCaptured(['test-access', '--all'], api.env(), process.cwd(), true);
    expect(run.code).toBe(1);
    const badLine = run.stdout.split('\n').find((l) => l.startsWith(bad.address))!;
    expect(badLine).toMatch(/failure: .*(AUTHENTICATIONFAILED|Authentication failed|auth)/i);
    expect(run.stdout).toContain('1 of 2 mailbox(es) passed');
    expect(run.stderr).toContain('\r[');
    expect(run.stderr).toContain('2/2');
    const json = await runCaptured(['test-access', bad.address, '--json'], api.env());
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ address: bad.address, incoming: { status: 'failure' }, outgoing: { status: 'success' } });
  });

  it('publish, then status shows the mailbox served by incoming', async () => {
    const run = await runCaptured(['publish', '-m', 'from the CLI'], api.env());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^published version 1 \(2 mailbox\(es\)\) at .*: from the CLI\n$/);
    const status = await waitFor('incoming to poll the published mailbox', async () => {
      const r = await runCaptured(['status', good.address, '--json'], api.env());
      const s = JSON.parse(r.stdout)[0] as Json;
      return r.code === 0 && s.incoming?.active && s.incoming?.lastPollAt ? s : undefined;
    }, 30_000, 500);
    expect(status.incoming.consecutiveFailures).toBe(0);
    const table = await runCaptured(['status'], api.env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${good.address}\\s+yes\\s+\\d{4}-`, 'm'));
  });

  it('trace of an unknown message says so (exit 1); usage errors exit 2', async () => {
    const run = await runCaptured(['trace', '<nobody-knows@example.test>'], api.env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('nothing is known of this message');
    expect((await runCaptured(['status', 'nobody@nowhere.test'], api.env())).stderr).toContain('no mailbox nobody@nowhere.test');
    expect((await runCaptured(['test-access'], api.env())).code).toBe(2);
    expect((await runCaptured(['rules', 'deploy', '--all'], api.env())).code).toBe(2);
    expect((await runCaptured(['frobnicate'], api.env())).code).toBe(2);
  });
});
