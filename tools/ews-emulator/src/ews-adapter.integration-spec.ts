/**
 * The EWS adapter (libs/mail-adapters/src/lib/ews) against the EWS EMULATOR (a test double, not
 * Microsoft Exchange) started here on a free port: ews-javascript-api's real SOAP, Basic and NTLM.
 * It lives beside the emulator, as the Dataverse connector's tests do, so the lib never imports tools/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearAutodiscoverCache, deployEwsForwardRule, EwsMailSender, FORWARD_RULE_NAME, openEwsSession, removeEwsForwardRule, ServerConnection, testEwsAccess,
} from '@mailrouter/mail-adapters';
import { EwsEmulator, startEwsEmulator } from './emulator';

const USER = 'anna@contoso.test';
const OTHER = 'bert@contoso.test';
const SVC = 'svc-crm@contoso.test';
const CRM = 'crm@contoso.test';

let emu: EwsEmulator;

function conn(over: Partial<ServerConnection> & { user?: string; password?: string; type?: 'basic' | 'ntlm' } = {}): ServerConnection {
  const { user = 'anna', password = 'anna-pw', type = 'basic', ...rest } = over;
  return {
    protocol: 'ews', host: '127.0.0.1', port: 0, security: 'none',
    auth: { type, username: user, password, ...(type === 'ntlm' ? { domain: 'CONTOSO' } : {}) },
    allowInvalidCertificates: false, maxConnections: 4, mailbox: USER, ews: { url: emu.url }, ...rest,
  };
}

function mime(subject: string, body = 'Hello from the test.'): string {
  return `From: Carl <carl@fabrikam.test>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@fabrikam.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
}

beforeAll(async () => {
  emu = await startEwsEmulator();
  emu.store.addUser({ address: USER, username: 'anna', password: 'anna-pw' });
  emu.store.addUser({ address: OTHER, username: 'bert', password: 'bert-pw' });
  emu.store.addUser({ address: SVC, username: 'svc-crm', password: 'svc-pw' });
  emu.store.addUser({ address: CRM, username: 'crm', password: 'crm-pw' });
});
afterAll(() => emu.close());
beforeEach(() => clearAutodiscoverCache());

describe('authentication', () => {
  it.each(['basic', 'ntlm'] as const)('%s signs in and opens the Inbox', async (type) => {
    const result = await testEwsAccess(conn({ type }), 'incoming');
    expect(result).toEqual({ status: 'success', message: expect.stringContaining(`EWS opened Inbox of ${USER}`) });
    expect(emu.requests.at(-1)).toMatchObject({ operation: 'GetFolder', user: USER, authorization: type === 'ntlm' ? 'NTLM' : 'Basic', status: 200 });
  });

  it.each(['basic', 'ntlm'] as const)('%s with a wrong password fails with the 401', async (type) => {
    const result = await testEwsAccess(conn({ type, password: 'wrong' }), 'incoming');
    expect(result.status).toBe('failure');
    expect(result.message).toContain(`HTTP 401 Unauthorized from ${emu.url}`);
  });

  it('two sessions with different credentials and schemes run at once without mixing them', async () => {
    emu.store.deliver(OTHER, mime('for bert'));
    const [a, b] = await Promise.all([openEwsSession(conn({ type: 'ntlm' })), openEwsSession(conn({ type: 'basic', user: 'bert', password: 'bert-pw', mailbox: OTHER }))]);
    await Promise.all([a.list({ sync: null }), b.list({ sync: null })]);
    const byUser = emu.requests.filter((r) => r.operation === 'SyncFolderItems').slice(-2).map((r) => `${r.user}/${r.authorization}`).sort();
    expect(byUser).toEqual([`${USER}/NTLM`, `${OTHER}/Basic`]);
  });
});

describe('Autodiscover', () => {
  it('finds the EWS URL for the address and reads the mailbox there', async () => {
    const result = await testEwsAccess(conn({ ews: { autodiscoverUrl: emu.autodiscoverUrl } }), 'incoming');
    expect(result).toEqual({ status: 'success', message: expect.stringContaining(`on ${emu.url}`) });
    expect(emu.requests.some((r) => r.operation === 'GetUserSettings')).toBe(true);
  });

  it('names Autodiscover when it finds nothing for the address', async () => {
    const result = await testEwsAccess(conn({ mailbox: 'nobody@contoso.test', ews: { autodiscoverUrl: emu.autodiscoverUrl } }), 'incoming');
    expect(result.status).toBe('failure');
    expect(result.message).toBe("Autodiscover found no EWS URL for nobody@contoso.test: Invalid user: 'nobody@contoso.test'");
  });
});

describe('test access failure texts', () => {
  it('a wrong URL path answers 404 with the URL', async () => {
    const wrong = emu.url.replace('/EWS/Exchange.asmx', '/EWS/Wrong.asmx');
    const result = await testEwsAccess(conn({ ews: { url: wrong } }), 'incoming');
    expect(result.status).toBe('failure');
    expect(result.message).toContain(`HTTP 404 Not Found from ${wrong}`);
  });

  it.each(['basic', 'ntlm'] as const)('%s: nothing listening names ECONNREFUSED and the URL', async (type) => {
    const result = await testEwsAccess(conn({ type, ews: { url: 'http://127.0.0.1:9/EWS/Exchange.asmx' } }), 'incoming');
    expect(result.status).toBe('failure');
    expect(result.message).toMatch(/ECONNREFUSED.*127\.0\.0\.1:9/);
  });
});

describe('TLS', () => {
  let tlsEmu: EwsEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ews-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    tlsEmu = await startEwsEmulator({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
    tlsEmu.store.addUser({ address: USER, username: 'anna', password: 'anna-pw' });
  });
  afterAll(async () => {
    await tlsEmu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['basic', 'ntlm'] as const)('%s: a self-signed certificate is refused by default and named as a TLS failure', async (type) => {
    const result = await testEwsAccess(conn({ type, ews: { url: tlsEmu.url } }), 'incoming');
    expect(result.status).toBe('failure');
    expect(result.message).toMatch(/TLS failure: .*self[- ]signed/i);
  });

  it.each(['basic', 'ntlm'] as const)('%s: allowInvalidCertificates accepts it', async (type) => {
    const result = await testEwsAccess(conn({ type, ews: { url: tlsEmu.url }, allowInvalidCertificates: true }), 'incoming');
    expect(result).toEqual({ status: 'success', message: expect.stringContaining(tlsEmu.url) });
  });
});

describe('incoming', () => {
  it('lists a delivered message by sync, fetches it byte for byte, marks it read, and the next sync lists nothing new', async () => {
    const raw = mime('sync me', 'Grüße — bytes must survive.');
    emu.store.deliver(USER, raw);
    const session = await openEwsSession(conn());
    const first = await session.list({ sync: null });
    expect(session.usesSyncState).toBe(true);
    const mine = first.filter((m) => emu.store.mailbox(USER)!.items.get(m.itemId!)?.subject === 'sync me');
    expect(mine).toHaveLength(1);
    expect(mine[0].key).toMatch(/^ews:[0-9a-f]{40}$/);
    const [fetched] = await session.fetchMany(mine);
    expect(fetched).toEqual({ status: 'ok', raw: Buffer.from(raw, 'utf8') });
    await session.markSeenMany(first);
    expect(emu.store.mailbox(USER)!.items.get(mine[0].itemId!)!.isRead).toBe(true);
    const state = session.syncState!;
    expect(state).toBeTruthy();
    expect(await session.list({ sync: state })).toEqual([]);
    emu.store.deliver(USER, mime('later'));
    const next = await session.list({ sync: state });
    expect(next).toHaveLength(1);
    expect(await session.fetch(next[0])).toMatchObject({ status: 'ok' });
    await session.close();
  });

  it('reports too-large by Size without reading the body, and gone for a deleted item', async () => {
    emu.store.deliver(USER, mime('big', 'x'.repeat(5000)));
    const session = await openEwsSession(conn(), { maxMessageBytes: 1000 });
    const unseen = await session.list({ unseen: true });
    const big = unseen.find((m) => m.size > 1000)!;
    const before = emu.requests.length;
    expect(await session.fetch(big)).toEqual({ status: 'too-large', size: big.size });
    expect(emu.requests.slice(before).some((r) => r.body.includes('item:MimeContent'))).toBe(false);
    await session.deleteMany([big]);
    expect(await session.fetch(big)).toEqual({ status: 'gone' });
  });

  it('delete moves to Deleted Items; move creates the folder under the root', async () => {
    emu.store.deliver(USER, mime('to delete'));
    emu.store.deliver(USER, mime('to move'));
    const session = await openEwsSession(conn());
    const all = await session.list({ all: true });
    const subject = (m: { itemId?: string }) => emu.store.mailbox(USER)!.items.get(m.itemId!)?.subject;
    const del = all.find((m) => subject(m) === 'to delete')!;
    const mov = all.find((m) => subject(m) === 'to move')!;
    await session.deleteMany([del]);
    await session.moveMany!([mov], 'CRM Processed');
    await session.moveMany!([], 'CRM Processed');
    const mb = emu.store.mailbox(USER)!;
    const folderOf = (s: string) => mb.folders.get([...mb.items.values()].find((i) => i.subject === s)!.folderId)!;
    expect(folderOf('to delete').distinguished).toBe('deleteditems');
    expect(folderOf('to move').displayName).toBe('CRM Processed');
    expect([...mb.folders.values()].filter((f) => f.displayName === 'CRM Processed')).toHaveLength(1);
  });

  it('impersonation and delegate access open another mailbox only with the grant', async () => {
    const asSvc = (mailboxAccess: 'impersonation' | 'delegate') => conn({ user: 'svc-crm', password: 'svc-pw', mailbox: OTHER, ews: { url: emu.url, mailboxAccess } });
    const denied = await testEwsAccess(asSvc('impersonation'), 'incoming');
    expect(denied.message).toContain('ErrorImpersonateUserDenied: The account does not have permission to impersonate the requested user.');
    const deniedDelegate = await testEwsAccess(asSvc('delegate'), 'incoming');
    expect(deniedDelegate.message).toContain('ErrorAccessDenied');
    emu.store.grantImpersonation(SVC, OTHER);
    emu.store.grantFullAccess(SVC, OTHER);
    for (const access of ['impersonation', 'delegate'] as const) {
      const session = await openEwsSession(asSvc(access));
      const listed = await session.list({ sync: null });
      expect(listed.map((m) => emu.store.mailbox(OTHER)!.items.get(m.itemId!)?.subject)).toContain('for bert');
    }
    expect(emu.requests.filter((r) => r.impersonating === OTHER).length).toBeGreaterThan(0);
  });
});

describe('sending', () => {
  const message = (subject: string) => ({
    from: { address: USER, name: 'Anna' }, to: [{ address: 'dana@fabrikam.test' }], bcc: [{ address: 'hidden@fabrikam.test' }],
    subject, text: 'Body', messageId: `<${subject.replace(/\W/g, '')}@mailrouter.test>`,
  });

  it('send-as with own credentials: From is the user, saved in her Sent Items', async () => {
    const outcome = await new EwsMailSender(conn()).send(message('own send'));
    expect(outcome).toMatchObject({ ok: true, messageId: '<ownsend@mailrouter.test>' });
    const sent = emu.store.sent.at(-1)!;
    expect(sent).toMatchObject({ from: USER, sender: undefined, mailbox: USER, submittedBy: USER });
    expect(sent.recipients).toEqual(expect.arrayContaining(['dana@fabrikam.test', 'hidden@fabrikam.test']));
    const saved = emu.store.itemsIn(emu.store.mailbox(USER)!, emu.store.folder(USER, 'sentitems').id).map((i) => i.subject);
    expect(saved).toContain('own send');
  });

  it('send-as through delegation without Send As is refused permanently with ErrorSendAsDenied; with it, succeeds', async () => {
    emu.store.grantFullAccess(SVC, USER);
    const c = conn({ user: 'svc-crm', password: 'svc-pw', ews: { url: emu.url, mailboxAccess: 'delegate' } });
    const refused = await new EwsMailSender(c).send(message('denied'));
    expect(refused).toMatchObject({ ok: false, class: 'permanent', response: expect.stringContaining('ErrorSendAsDenied') });
    emu.store.grantSendAs(SVC, USER);
    const ok = await new EwsMailSender(c).send(message('delegated send-as'));
    expect(ok.ok).toBe(true);
    expect(emu.store.sent.at(-1)).toMatchObject({ from: USER, sender: undefined, mailbox: USER, submittedBy: SVC });
  });

  it('on-behalf: From is the user, Sender the sending account, saved in its Sent Items', async () => {
    emu.store.grantSendOnBehalf(CRM, USER);
    const c = conn({ user: 'crm', password: 'crm-pw', sendAccess: 'on-behalf', sendingAccount: CRM });
    const outcome = await new EwsMailSender(c).send(message('on behalf'));
    expect(outcome.ok).toBe(true);
    expect(emu.store.sent.at(-1)).toMatchObject({ from: USER, sender: CRM, mailbox: CRM, actingAs: CRM });
    expect(emu.store.itemsIn(emu.store.mailbox(CRM)!, emu.store.folder(CRM, 'sentitems').id).map((i) => i.subject)).toContain('on behalf');
  });

  it('classifies server busy and 503 as transient, a wrong password as permanent', async () => {
    emu.failNext(1, 'server-busy');
    expect(await new EwsMailSender(conn()).send(message('busy'))).toMatchObject({ ok: false, class: 'transient', response: expect.stringContaining('ErrorServerBusy') });
    emu.failNext(1, 'http-503');
    expect(await new EwsMailSender(conn()).send(message('unavailable'))).toMatchObject({ ok: false, class: 'transient', responseCode: 503 });
    expect(await new EwsMailSender(conn({ password: 'nope' })).send(message('x'))).toMatchObject({ ok: false, class: 'permanent', responseCode: 401 });
  });
});

describe('forward rule', () => {
  it('deploys once (second time unchanged), forwards as attachment, and removes', async () => {
    const c = conn();
    expect((await deployEwsForwardRule(c, CRM)).change).toBe('created');
    expect((await deployEwsForwardRule(c, CRM)).change).toBe('unchanged');
    expect(emu.store.mailbox(USER)!.rules.filter((r) => r.displayName === FORWARD_RULE_NAME)).toHaveLength(1);
    expect(emu.store.mailbox(USER)!.rules[0].forwardAsAttachmentTo).toEqual([CRM]);
    emu.store.deliver(USER, mime('forward me'));
    const wrapped = emu.store.itemsIn(emu.store.mailbox(CRM)!, emu.store.folder(CRM, 'inbox').id).map((i) => i.mime.toString());
    expect(wrapped.some((m) => m.includes('message/rfc822') && m.includes('Subject: forward me') && m.startsWith(`From: <${USER}>`))).toBe(true);
    expect((await deployEwsForwardRule(c, OTHER)).change).toBe('updated');
    expect((await removeEwsForwardRule(c, OTHER)).change).toBe('removed');
    expect((await removeEwsForwardRule(c, OTHER)).change).toBe('absent');
    expect(emu.store.mailbox(USER)!.rules).toHaveLength(0);
  });
});
