/**
 * Issue 6, faults 5 and 7, through the services as processes (config, crm-sync, incoming) and
 * the CRM's own records: an IMAP connection cut mid-FETCH, a message re-UIDed by the server
 * (moved out of the INBOX and back), a POP3 server that reuses a UIDL for a new message, and
 * poison messages (one no parser accepts; one the CRM refuses on every attempt). Each ends in
 * no loss and no duplicate activity, and the mailbox keeps flowing. One count line per test.
 *
 * UIDVALIDITY changes are covered in apps/incoming/src/incoming.integration-spec.ts.
 */
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import {
  appendToInbox, buildMime, createMailUser, imapClient, MailUser, tcpProxy, TcpProxy, TEST_DOVECOT, uniqueName, waitFor,
} from '@mailrouter/testing';
import { DataverseEmulator, startDataverseEmulator } from '../tools/dataverse-emulator/src';
import { emailById, emailsFor, EmailView } from './support/demo-world';
import { RouterUnderTest } from './support/router';

interface Mailbox { id: string; address: string; crmId?: string }
interface Quarantined { receivedId: string; mailboxId: string; reason?: string; reasonText?: string; subject?: string }
interface Status { lastSuccessAt?: string; consecutiveFailures: number; lastError?: string }

const DV_CLIENT = { clientId: 'mailrouter-faults', clientSecret: 'faults-client-secret-value' };
/** A subject the Dataverse emulator refuses to store, on every attempt (test-side injection). */
const CRM_POISON = 'CRM-POISON';

/**
 * A scripted POP3 server (RFC 1939 subset: USER PASS STAT UIDL LIST RETR DELE RSET NOOP QUIT)
 * whose maildrops the test edits, so that it can do what Dovecot never does: give a UIDL that
 * was used before to a new message.
 */
class ScriptedPop3 {
  readonly maildrops = new Map<string, { uidl: string; raw: Buffer }[]>();
  /** Every UIDL listing served, per user (in order). */
  readonly listings = new Map<string, string[][]>();
  readonly retrieved: { user: string; uidl: string }[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private session(socket: Socket): void {
    socket.on('error', () => undefined);
    let user = '';
    let snapshot: { uidl: string; raw: Buffer }[] = [];
    const deleted = new Set<number>();
    const say = (line: string) => socket.write(`${line}\r\n`);
    const multi = (lines: string[]) => socket.write(`+OK\r\n${lines.map((l) => `${l}\r\n`).join('')}.\r\n`);
    let buffered = '';
    say('+OK scripted POP3 ready');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const [cmd, arg] = buffered.slice(0, nl).split(' ');
        buffered = buffered.slice(nl + 2);
        const n = Number(arg);
        const msg = snapshot[n - 1];
        switch (cmd.toUpperCase()) {
          case 'USER': user = arg; say('+OK'); break;
          case 'PASS':
            // The maildrop as it is at login, numbered 1…n (RFC 1939).
            snapshot = [...(this.maildrops.get(user) ?? [])];
            say('+OK maildrop locked');
            break;
          case 'STAT': say(`+OK ${snapshot.length} ${snapshot.reduce((s, m) => s + m.raw.length, 0)}`); break;
          case 'UIDL':
            this.listings.set(user, [...(this.listings.get(user) ?? []), snapshot.map((m) => m.uidl)]);
            multi(snapshot.map((m, i) => `${i + 1} ${m.uidl}`));
            break;
          case 'LIST': multi(snapshot.map((m, i) => `${i + 1} ${m.raw.length}`)); break;
          case 'RETR':
            if (!msg || deleted.has(n)) { say('-ERR no such message'); break; }
            this.retrieved.push({ user, uidl: msg.uidl });
            socket.write(`+OK ${msg.raw.length} octets\r\n`);
            socket.write(Buffer.from(msg.raw.toString('latin1').replace(/\r\n\./g, '\r\n..').replace(/^\./, '..').replace(/\r\n$/, ''), 'latin1'));
            socket.write('\r\n.\r\n');
            break;
          case 'DELE': if (msg) deleted.add(n); say('+OK'); break;
          case 'RSET': deleted.clear(); say('+OK'); break;
          case 'NOOP': say('+OK'); break;
          case 'QUIT': {
            // Deletions take effect at QUIT only.
            const gone = new Set([...deleted].map((i) => snapshot[i - 1]));
            this.maildrops.set(user, (this.maildrops.get(user) ?? []).filter((m) => !gone.has(m)));
            say('+OK bye');
            socket.end();
            break;
          }
          default: say('-ERR unknown command');
        }
      }
    });
  }
}

/** A message without any Message-ID: only its bytes can tell a copy of it from another message. */
function mailWithoutMessageId(to: string, subject: string): Buffer {
  return Buffer.from([
    'From: Dana Contact <dana@contoso.test>', `To: ${to}`, `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `About ${subject}.`, '',
  ].join('\r\n'));
}

describe('protocol faults and poison messages: no loss, no duplicate activity, the mailbox keeps flowing', () => {
  const router = new RouterUnderTest({
    POLL_TICK_MS: '300',
    IMAP_IDLE: 'false',
    FAILURE_BACKOFF_INITIAL_SECONDS: '1',
    FAILURE_BACKOFF_MAX_SECONDS: '2',
    RECEIVED_MAX_ATTEMPTS: '3',
    CONSUMER_BACKOFF_INITIAL_MS: '300',
    CONSUMER_BACKOFF_MAX_MS: '1000',
    DATAVERSE_SERVER_BACKOFF_MS: '100',
  });
  const pop3 = new ScriptedPop3();
  let proxy: TcpProxy;
  let emu: DataverseEmulator;
  const users: Record<string, { crmId: string; mail: MailUser; mailbox: Mailbox }> = {};
  let dvUser: MailUser;
  let dvMailbox: Mailbox;
  /** Times the CRM refused the poison message. */
  let crmRefusals = 0;

  const status = async (mailboxId: string) => (await router.call<{ incoming: Status }>('GET', `/api/v1/mailboxes/${mailboxId}/status`)).incoming;
  const quarantine = async (mailboxId: string) => (await router.call<{ messages: Quarantined[] }>('GET', `/api/v1/quarantine?mailboxId=${mailboxId}`)).messages;
  const incomingOf = (key: string) => emailsFor(router, { direction: 'incoming', ownerId: users[key].crmId });
  const withSubject = async (key: string, subject: string): Promise<EmailView[]> => (await incomingOf(key)).filter((e) => e.subject === subject);

  /** Waits for `n` more successful polls of the mailbox. */
  async function polls(mailboxId: string, n = 2): Promise<void> {
    for (let i = 0; i < n; i++) {
      const before = (await status(mailboxId)).lastSuccessAt;
      await waitFor(`another successful poll of ${mailboxId}`, async () => (await status(mailboxId)).lastSuccessAt !== before, 60_000);
    }
  }

  async function trackedOnce(key: string, subject: string): Promise<EmailView[]> {
    return waitFor(`"${subject}" tracked`, async () => {
      const list = await withSubject(key, subject);
      return list.length ? list : undefined;
    }, 60_000);
  }

  beforeAll(async () => {
    await pop3.start();
    proxy = await tcpProxy(TEST_DOVECOT.host, TEST_DOVECOT.imapPort);
    emu = await startDataverseEmulator({ clients: [DV_CLIENT] });
    // The CRM refuses one message, always: storing its email activity throws (the emulator answers 500).
    const create = emu.store.create.bind(emu.store);
    jest.spyOn(emu.store, 'create').mockImplementation(((set: string, row: Record<string, unknown>) => {
      if (set === 'emails' && String(row.subject ?? '').includes(CRM_POISON)) {
        crmRefusals++;
        throw new Error('injected: the CRM refuses this message');
      }
      return create(set as never, row as never);
    }) as typeof emu.store.create);
    await router.start(['config', 'crm-sync', 'incoming']);

    // IMAP goes through the proxy, so that a connection can be cut mid-FETCH.
    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Dovecot IMAP via proxy', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: proxy.port,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const pop = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Scripted POP3', direction: 'incoming', protocol: 'pop3', host: '127.0.0.1', port: pop3.port,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const builtin = await router.call<{ id: string }>('POST', '/api/v1/deployments', { name: 'Faults', crm: { type: 'builtin' }, incomingProfileId: imap.id });
    const people: { key: string; pop3?: boolean; deleteAfterProcessing?: boolean }[] = [
      { key: 'cut' }, { key: 'reuid' }, { key: 'popdel', pop3: true, deleteAfterProcessing: true }, { key: 'popkeep', pop3: true }, { key: 'poison' },
    ];
    for (const p of people) {
      const mail = createMailUser(`pf${p.key}`);
      const crm = await router.call<{ id: string }>('POST', '/crm/v1/users', { fullName: `${p.key} Faults`, email: mail.address, incomingTracking: 'all', emailRouter: true });
      users[p.key] = { crmId: crm.id, mail, mailbox: undefined as unknown as Mailbox };
    }
    const loaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${builtin.id}/load-data`);
    for (const p of people) {
      const u = users[p.key];
      const mb = loaded.created.find((m) => m.crmId === u.crmId)!;
      u.mailbox = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${mb.id}`, {
        username: u.mail.username, password: u.mail.password, deleteAfterProcessing: p.deleteAfterProcessing ?? false,
        ...(p.pop3 ? { incomingProfileId: pop.id } : {}),
      });
    }

    // A Dataverse deployment (the emulator) for the message the CRM always refuses.
    dvUser = createMailUser('pfdv');
    const dvOwner = emu.store.create('systemusers', { fullname: 'Dora Dataverse', internalemailaddress: dvUser.address, incomingemailfilteringmethod: 0 }).systemuserid as string;
    emu.store.create('mailboxes', {
      name: 'Dora Dataverse', emailaddress: dvUser.address, _regardingobjectid_value: dvOwner, regardingobjecttypecode: 'systemuser',
      incomingemaildeliverymethod: 2, outgoingemaildeliverymethod: 0, emailrouteraccessapproval: 1,
    });
    const dv = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Faults Dataverse', incomingProfileId: imap.id,
      crm: { type: 'dataverse', url: emu.url, tenantId: emu.tenantId, clientId: DV_CLIENT.clientId, clientSecret: DV_CLIENT.clientSecret, authority: emu.authority },
    });
    const dvLoaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${dv.id}/load-data`);
    const dvmb = dvLoaded.created.find((m) => m.crmId === dvOwner)!;
    dvMailbox = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${dvmb.id}`, { username: dvUser.username, password: dvUser.password });
    await router.call('POST', '/api/v1/publish', { comment: 'protocol faults' });
  }, 180_000);

  afterAll(async () => {
    await router.stop();
    await proxy?.close();
    await pop3.stop();
    await emu?.close();
  });

  it('an IMAP connection cut mid-FETCH: the message is fetched again on the next poll and tracked once, attachment whole', async () => {
    const subject = uniqueName('Cut mid-FETCH');
    const attachment = Buffer.alloc(600 * 1024, 'x');
    // The FETCH of that message is ~800 KB; login, SELECT and the listings are a few KB.
    proxy.cutAfterServerBytes(200 * 1024, 1);
    await appendToInbox(users.cut.mail, await buildMime({
      from: 'Dana Contact <dana@contoso.test>', to: users.cut.mail.address, subject, text: 'big',
      attachments: [{ filename: 'big.bin', content: attachment, contentType: 'application/octet-stream' }],
    }));
    const [tracked] = await trackedOnce('cut', subject);
    await polls(users.cut.mailbox.id, 2);
    const all = await withSubject('cut', subject);
    const email = await emailById(router, tracked.id);
    console.log(`IMAP cut mid-FETCH: cuts=${proxy.cuts} activities=${all.length} attachments=${email.attachments.length} attachmentBytes=${email.attachments[0]?.size}`);
    expect(proxy.cuts).toBe(1);
    expect(all).toHaveLength(1);
    expect(email.attachments).toEqual([expect.objectContaining({ filename: 'big.bin', size: attachment.length })]);
  }, 180_000);

  it('a message re-UIDed by the server (moved out of the INBOX and back): no second activity, with or without a Message-ID', async () => {
    const u = users.reuid;
    const withId = uniqueName('Re-UID with id');
    const withoutId = uniqueName('Re-UID without id');
    await appendToInbox(u.mail, await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: withId, messageId: `<${uniqueName('reuid')}@contoso.test>`, text: 'x' }));
    await appendToInbox(u.mail, mailWithoutMessageId(u.mail.address, withoutId));
    await trackedOnce('reuid', withId);
    await trackedOnce('reuid', withoutId);
    await polls(u.mailbox.id, 1);

    // A client (or a rule) moves both out and back: same bytes, new UIDs, same UIDVALIDITY.
    const client = imapClient(u.mail);
    await client.connect();
    let before: number[] = [];
    let after: number[] = [];
    try {
      await client.mailboxCreate('Parking').catch(() => undefined);
      const lock = await client.getMailboxLock('INBOX');
      try {
        before = (await client.search({ all: true }, { uid: true })) || [];
        await client.messageMove('1:*', 'Parking', { uid: false });
      } finally {
        lock.release();
      }
      const park = await client.getMailboxLock('Parking');
      try {
        await client.messageMove('1:*', 'INBOX', { uid: false });
      } finally {
        park.release();
      }
      const again = await client.getMailboxLock('INBOX');
      try {
        after = (await client.search({ all: true }, { uid: true })) || [];
      } finally {
        again.release();
      }
    } finally {
      await client.logout();
    }
    // A message after them: once it is tracked, the moved ones (lower UIDs) were looked at.
    const sentinel = uniqueName('Re-UID sentinel');
    await appendToInbox(u.mail, await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: sentinel, text: 'x' }));
    await trackedOnce('reuid', sentinel);
    await polls(u.mailbox.id, 2);
    const counts = { withId: (await withSubject('reuid', withId)).length, withoutId: (await withSubject('reuid', withoutId)).length };
    console.log(`IMAP re-UID: uids ${before.join(',')} → ${after.join(',')}; activities withMessageId=${counts.withId} withoutMessageId=${counts.withoutId} sentinel=${(await withSubject('reuid', sentinel)).length}`);
    expect(after.filter((uid) => !before.includes(uid)).length).toBeGreaterThanOrEqual(2);
    expect(counts).toEqual({ withId: 1, withoutId: 1 });
  }, 180_000);

  it('POP3 UIDL reused for a new message, after the router deleted the first: the new one is tracked, nothing twice', async () => {
    const u = users.popdel;
    const user = u.mail.username;
    const first = uniqueName('POP3 first under u1');
    const second = uniqueName('POP3 second under u1');
    pop3.maildrops.set(user, [{ uidl: 'u1', raw: await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: first, text: 'one' }) }]);
    await trackedOnce('popdel', first);
    await waitFor('the first message deleted by the router', () => (pop3.maildrops.get(user) ?? []).length === 0, 60_000);
    // The server gives the freed UIDL to the next message.
    pop3.maildrops.set(user, [{ uidl: 'u1', raw: await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: second, text: 'two' }) }]);
    await trackedOnce('popdel', second);
    await waitFor('the second message deleted by the router', () => (pop3.maildrops.get(user) ?? []).length === 0, 60_000);
    await polls(u.mailbox.id, 2);
    const counts = { first: (await withSubject('popdel', first)).length, second: (await withSubject('popdel', second)).length };
    const retrs = pop3.retrieved.filter((r) => r.user === user).length;
    console.log(`POP3 UIDL reused after delete: activities first=${counts.first} second=${counts.second} RETRs=${retrs}`);
    expect(counts).toEqual({ first: 1, second: 1 });
    expect(retrs).toBe(2);
  }, 180_000);

  it('POP3 UIDL reused after another client deleted the message: the new one is tracked once, the old one not again', async () => {
    const u = users.popkeep;
    const user = u.mail.username;
    const first = uniqueName('POP3 kept x1');
    const second = uniqueName('POP3 new x1');
    const firstRaw = await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: first, text: 'one' });
    pop3.maildrops.set(user, [{ uidl: 'x1', raw: firstRaw }]);
    await trackedOnce('popkeep', first);
    await polls(u.mailbox.id, 1);
    // Another client deletes it; the router sees the maildrop without it; then x1 names a new message.
    pop3.maildrops.set(user, []);
    const listed = (pop3.listings.get(user) ?? []).length;
    await waitFor('a listing without x1', () => (pop3.listings.get(user) ?? []).slice(listed).some((l) => !l.includes('x1')), 60_000);
    pop3.maildrops.set(user, [{ uidl: 'x1', raw: await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: second, text: 'two' }) }]);
    await trackedOnce('popkeep', second);
    await polls(u.mailbox.id, 3);
    const counts = { first: (await withSubject('popkeep', first)).length, second: (await withSubject('popkeep', second)).length };
    const retrs = pop3.retrieved.filter((r) => r.user === user).length;
    console.log(`POP3 UIDL reused after another client's delete: activities first=${counts.first} second=${counts.second} RETRs=${retrs} (kept on the server, not fetched again)`);
    expect(counts).toEqual({ first: 1, second: 1 });
    expect(retrs).toBe(2);
  }, 180_000);

  it('a message no parser accepts is quarantined with its reason; the message after it is tracked', async () => {
    const u = users.poison;
    await appendToInbox(u.mail, Buffer.from('this is not a mail at all\r\n'));
    const after = uniqueName('After the unparseable one');
    await appendToInbox(u.mail, await buildMime({ from: 'dana@contoso.test', to: u.mail.address, subject: after, text: 'x' }));
    const [q] = await waitFor('the unparseable message quarantined', async () => {
      const list = await quarantine(u.mailbox.id);
      return list.length ? list : undefined;
    }, 60_000);
    const tracked = await trackedOnce('poison', after);
    await polls(u.mailbox.id, 2);
    const all = await quarantine(u.mailbox.id);
    console.log(`poison (unparseable): quarantined=${all.length} reason=${q.reason} next tracked=${tracked.length}`);
    expect(all).toHaveLength(1);
    expect(q.reason).toBe('unparseable');
    expect(tracked).toHaveLength(1);
  }, 120_000);

  it('a message the CRM refuses on every attempt is quarantined after the bounded attempts with the reason; the next message is tracked', async () => {
    const poison = `${CRM_POISON} ${uniqueName('refused')}`;
    const next = uniqueName('After the refused one');
    await appendToInbox(dvUser, await buildMime({ from: 'carl@customer.test', to: dvUser.address, subject: poison, messageId: `<${uniqueName('dvpoison')}@customer.test>`, text: 'x' }));
    await appendToInbox(dvUser, await buildMime({ from: 'carl@customer.test', to: dvUser.address, subject: next, messageId: `<${uniqueName('dvnext')}@customer.test>`, text: 'x' }));
    const [q] = await waitFor('the refused message quarantined', async () => {
      const list = await quarantine(dvMailbox.id);
      return list.length ? list : undefined;
    }, 90_000);
    await waitFor('the next message tracked in Dataverse', () => emu.store.list('emails').some((e) => e.subject === next), 60_000);
    const refused = crmRefusals;
    console.log(`poison (CRM refuses): quarantined=${(await quarantine(dvMailbox.id)).length} reason=${q.reason} refusedDeliveries=${refused} ` +
      `next tracked=${emu.store.list('emails').filter((e) => e.subject === next).length} reasonText="${q.reasonText}"`);
    expect(q).toMatchObject({ reason: 'delivery-failed', subject: poison });
    expect(q.reasonText).toMatch(/could not be delivered to the CRM/);
    // Bounded: RECEIVED_MAX_ATTEMPTS (3) deliveries of the event, each with the connector's own few HTTP retries.
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(refused).toBeLessThanOrEqual(3 * 5);
    expect(emu.store.list('emails').filter((e) => e.subject === poison)).toHaveLength(0);
  }, 180_000);
});
