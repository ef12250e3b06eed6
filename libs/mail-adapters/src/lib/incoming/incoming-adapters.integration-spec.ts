
import { buildMime, createMailUser, appendToInbox, imapClient, listInbox, MailUser, TEST_DOVECOT } from '@mailrouter/testing';
import type { ServerConnection } from '../endpoint';
import { openMailboxSession, testIncomingAccess } from './open-session';
import type { MailboxSession } from './mailbox-session';

function connection(protocol: 'imap' | 'pop3', user: MailUser, password = user.password, port?: number): ServerConnection {
  return {
    protocol,
    host: TEST_DOVECOT.host,
    port: port ?? (protocol === 'imap' ? TEST_DOVECOT.imapPort : TEST_DOVECOT.pop3Port),
    security: 'none',
    auth: { type: 'basic', username: user.username, password },
    allowInvalidCertificates: false,
    maxConnections: 2,
  };
}


async function mail(user: MailUser, subject: string, text = 'hello'): Promise<Buffer> {
  return buildMime({ from: 'sender@example.test', to: user.address, subject, text });
}

async function withSession<T>(conn: ServerConnection, fn: (s: MailboxSession) => Promise<T>, opts = {}): Promise<T> {
  const s = await openMailboxSession(conn, opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('IMAP reader against the test Dovecot', () => {
  it('lists all, unseen and newer UIDs, fetches the exact bytes without marking seen, marks seen, deletes', async () => {
    const user = await createMailUser('imapa');
    const raws = [await mail(user, 'one'), await mail(user, 'two', 'a line\r\n.starting with a dot\r\n'), await mail(user, 'three')];
    const uids: number[] = [];
    for (const r of raws) uids.push(await appendToInbox(user, r));
    await appendToInbox(user, await mail(user, 'already read'), ['\\Seen']);

    await withSession(connection('imap', user), async (s) => {
      expect(s.cursor!.uidValidity).toBeGreaterThan(0);
      expect(s.cursor!.highestUid).toBe(uids[2] + 1);
      expect((await s.list({ all: true })).map((m) => m.uid)).toEqual([...uids, uids[2] + 1]);
      const unseen = await s.list({ unseen: true });
      expect(unseen.map((m) => m.uid)).toEqual(uids);
      expect(unseen[0].key).toBe(`imap:${s.cursor!.uidValidity}:${uids[0]}`);
      expect((await s.list({ afterUid: uids[2] + 1 }))).toEqual([]);
      expect((await s.list({ afterUid: uids[0] })).map((m) => m.uid)).toEqual([uids[1], uids[2], uids[2] + 1]);
      const fetched = await s.fetch(unseen[1]);
      expect(fetched.status).toBe('ok');
      expect(fetched.status === 'ok' && fetched.raw.equals(raws[1])).toBe(true);
      await s.markSeen(unseen[0]);
      await s.delete(unseen[2]);
    });

    const inbox = await listInbox(user);
    expect(inbox.map((m) => m.uid)).toEqual([uids[0], uids[1], uids[2] + 1]);
    expect(inbox.find((m) => m.uid === uids[0])!.flags.has('\\Seen')).toBe(true);
    expect(inbox.find((m) => m.uid === uids[1])!.flags.has('\\Seen')).toBe(false);
  });

  it('fetches, marks seen and deletes many messages at once over a UID set (gone, too large and exact bytes in order)', async () => {
    const user = await createMailUser('imapd');
    const raws = [await mail(user, 'm1'), await mail(user, 'm2', 'y'.repeat(5000)), await mail(user, 'm3'), await mail(user, 'm4'), await mail(user, 'm5')];
    const uids: number[] = [];
    for (const r of raws) uids.push(await appendToInbox(user, r));

    await withSession(connection('imap', user), async (s) => {
      const listed = await s.list({ all: true });
      const missing = { key: 'imap:0:999999', uid: uids[4] + 1000, size: 10 };
      const fetched = await s.fetchMany([listed[3], listed[0], listed[1], missing, listed[2]]);
      expect(fetched.map((f) => f.status)).toEqual(['ok', 'ok', 'too-large', 'gone', 'ok']);
      expect(fetched[0].status === 'ok' && fetched[0].raw.equals(raws[3])).toBe(true);
      expect(fetched[1].status === 'ok' && fetched[1].raw.equals(raws[0])).toBe(true);
      expect(fetched[4].status === 'ok' && fetched[4].raw.equals(raws[2])).toBe(true);
      await s.markSeenMany([{ uid: uids[0] }, { uid: uids[1] }, { uid: uids[3] }]);
      await s.deleteMany([{ uid: uids[2] }, { uid: uids[4] }]);
      await s.markSeenMany([]);
    }, { maxMessageBytes: 3000 });

    const inbox = await listInbox(user);
    expect(inbox.map((m) => m.uid)).toEqual([uids[0], uids[1], uids[3]]);
    expect(inbox.every((m) => m.flags.has('\\Seen'))).toBe(true);
  });

  it('moves settled messages to a processed folder, creating it once, marked seen', async () => {
    const user = await createMailUser('imapmove');
    const uids = [await appendToInbox(user, await mail(user, 'first')), await appendToInbox(user, await mail(user, 'second'))];
    await appendToInbox(user, await mail(user, 'stays'));
    // the first session creates the folder; the second finds it there
    await withSession(connection('imap', user), (s) => s.moveMany!([{ uid: uids[0] }], 'Processed/CRM'));
    await withSession(connection('imap', user), (s) => s.moveMany!([{ uid: uids[1] }], 'Processed/CRM'));
    expect((await listInbox(user)).length).toBe(1);
    const client = imapClient(user);
    await client.connect();
    try {
      const status = await client.status('Processed.CRM', { messages: true, unseen: true }); // Dovecot maildir's delimiter
      expect(status).toMatchObject({ messages: 2, unseen: 0 });
    } finally {
      await client.logout();
    }
  });

  it('reports a message over the size cap as too large without fetching it', async () => {
    const user = await createMailUser('imapb');
    await appendToInbox(user, await mail(user, 'big', 'x'.repeat(5000)));
    await withSession(connection('imap', user), async (s) => {
      const [m] = await s.list({ all: true });
      expect(await s.fetch(m)).toEqual({ status: 'too-large', size: m.size });
    }, { maxMessageBytes: 1000 });
  });

  it('test access: success, the server\'s words for a wrong password, the network error for a closed port', async () => {
    const user = await createMailUser('imapc');
    expect(await testIncomingAccess(connection('imap', user))).toMatchObject({ status: 'success' });
    const wrong = await testIncomingAccess(connection('imap', user, 'not-the-password'));
    expect(wrong).toEqual({ status: 'failure', message: expect.stringContaining('Authentication failed') });
    const closed = await testIncomingAccess(connection('imap', user, user.password, 1));
    expect(closed).toEqual({ status: 'failure', message: expect.stringContaining('ECONNREFUSED 127.0.0.1:1') });
  });
});

describe('POP3 reader against the test Dovecot', () => {
  it('lists by UIDL, fetches the exact bytes (dot-stuffing undone), deletes at QUIT only', async () => {
    const user = await createMailUser('popa');
    const raws = [await mail(user, 'one'), await mail(user, 'two', '.\r\n..two dots\r\n.one dot\r\nend')];
    for (const r of raws) await appendToInbox(user, r);

    const listed = await withSession(connection('pop3', user), async (s) => {
      const all = await s.list({ all: true });
      expect(all).toHaveLength(2);
      expect(all[0].key).toBe(`pop3:${all[0].uidl}`);
      for (let i = 0; i < 2; i++) {
        const f = await s.fetch(all[i]);
        expect(f.status === 'ok' && f.raw.toString('latin1')).toBe(raws[i].toString('latin1'));
      }
      return all;
    });

    // A DELE without QUIT (connection dropped) deletes nothing.
    const dropped = await openMailboxSession(connection('pop3', user));
    await dropped.delete(listed[0]);
    dropped.abort();
    expect(await listInbox(user)).toHaveLength(2);

    await withSession(connection('pop3', user), async (s) => {
      expect((await s.list({ all: true })).map((m) => m.uidl)).toEqual(listed.map((m) => m.uidl));
      await s.delete(listed[0]);
    });
    await withSession(connection('pop3', user), async (s) => {
      expect((await s.list({ all: true })).map((m) => m.uidl)).toEqual([listed[1].uidl]);
      expect(await s.fetch(listed[0])).toEqual({ status: 'gone' });
    });
  });

  it('test access: success, the server\'s words for a wrong password, the network error for a closed port', async () => {
    const user = await createMailUser('popb');
    expect(await testIncomingAccess(connection('pop3', user))).toMatchObject({ status: 'success', });
    const wrong = await testIncomingAccess(connection('pop3', user, 'not-the-password'));
    expect(wrong).toEqual({ status: 'failure', message: expect.stringContaining('Authentication failed') });
    const closed = await testIncomingAccess(connection('pop3', user, user.password, 1));
    expect(closed).toEqual({ status: 'failure', message: expect.stringContaining('ECONNREFUSED 127.0.0.1:1') });
  });
});
