/**
 * `mailrouter secrets status` and `secrets rotate --publish` against a real config service:
 * a password stored before key ids existed (no kid) is found by status, re-sealed under the
 * current key id by rotate, and the publish that follows leaves no value without a kid.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { decodeSecretKey, deriveSecretKeyId, openSecret } from '@mailrouter/platform';
import { ConfigService } from '../testing/config-service';
import { testingKit } from '../testing/testing-kit';
import { runCaptured } from '../testing/run-cli';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kit = testingKit;

const LEGACY_PASSWORD = 'legacy-Pa55-' + randomBytes(6).toString('hex');

describe('mailrouter secrets status / rotate (config as a process, PostgreSQL, NATS)', () => {
  const api = new ConfigService(kit);
  let pg: Client;
  let mailboxId = '';

  beforeAll(async () => {
    await api.start('cli-secrets');
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
    const imap = await api.call('POST', '/api/v1/profiles', { name: 'IMAP', direction: 'incoming', protocol: 'imap', host: 'imap.contoso.test' });
    const dep = await api.call('POST', '/api/v1/deployments', { name: 'Contoso', incomingProfileId: imap.id });
    mailboxId = (await api.call('POST', '/api/v1/mailboxes', { deploymentId: dep.id, kind: 'user', address: 'alice@contoso.test', password: 'replaced' })).id;
    // As a router from before key ids sealed it: no kid, no AAD.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', decodeSecretKey(api.secretKey), iv);
    const data = Buffer.concat([cipher.update(LEGACY_PASSWORD, 'utf8'), cipher.final()]);
    const legacy = { alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    await pg.query('UPDATE config.mailbox SET password = $1 WHERE id = $2', [JSON.stringify(legacy), mailboxId]);
  });

  afterAll(async () => {
    await pg?.end();
    await api.stop();
  });

  it('status, rotate --publish, status: the kid-less value gets the current key id and still opens', async () => {
    const kid = deriveSecretKeyId(decodeSecretKey(api.secretKey));
    const before = await runCaptured(['secrets', 'status', '--json'], api.env());
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ currentKid: kid, stored: { total: 1, withoutKid: 1, byKid: { [kid]: 1 } }, running: null });

    const rotate = await runCaptured(['secrets', 'rotate', '--publish'], api.env());
    expect(rotate.stderr).toBe('');
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain(`re-sealed under key id ${kid}: 1 stored value(s), 0 already current (before: ${kid}:1)`);
    expect(rotate.stdout).toMatch(/published version 1: the services now run values sealed under/);
    const stored = (await pg.query('SELECT password FROM config.mailbox WHERE id = $1', [mailboxId])).rows[0].password;
    expect(stored.kid).toBe(kid);
    expect(openSecret(decodeSecretKey(api.secretKey), stored)).toBe(LEGACY_PASSWORD);

    const after = await runCaptured(['secrets', 'status'], api.env());
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`current key id: ${kid}; previous: none`);
    expect(after.stdout).toContain(`stored values:      1 (by key id ${kid}:1)`);
    expect(after.stdout).toMatch(/running version 1: \d+ values/);
    const again = JSON.parse((await runCaptured(['secrets', 'rotate', '--json'], api.env())).stdout) as Json;
    expect(again).toMatchObject({ resealed: 0, alreadyCurrent: 1 });
    console.log(`cli secrets: rotate re-sealed 1 kid-less value under ${kid}; second rotate ${again.resealed} re-sealed, ${again.alreadyCurrent} already current`);
  });

  it('status exits 1 when a stored value no configured key opens', async () => {
    const alien = { alg: 'A256GCM', kid: 'gone', iv: randomBytes(12).toString('base64'), tag: randomBytes(16).toString('base64'), data: 'eA==' };
    await pg.query('UPDATE config.mailbox SET password = $1 WHERE id = $2', [JSON.stringify(alien), mailboxId]);
    const run = await runCaptured(['secrets', 'status'], api.env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('UNOPENABLE stored values (key id:count): gone:1');
    const rotate = await runCaptured(['secrets', 'rotate'], api.env());
    expect(rotate.code).not.toBe(0);
    expect(rotate.stderr).toMatch(/key id 'gone'/);
  });
});
