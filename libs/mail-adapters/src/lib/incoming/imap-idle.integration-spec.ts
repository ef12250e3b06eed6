import { appendToInbox, buildMime, createMailUser, listInbox, MailUser, tcpProxy, TEST_DOVECOT, waitFor } from '@mailrouter/testing';
import type { ServerConnection } from '../endpoint';
import { watchImapInbox } from './imap-idle';
import { serverMessage } from './mailbox-session';

function connection(user: MailUser, password = user.password): ServerConnection {
  return {
    protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none',
    auth: { type: 'basic', username: user.username, password }, allowInvalidCertificates: false, maxConnections: 2,
  };
}

const mail = (user: MailUser, subject: string) => buildMime({ from: 'sender@example.test', to: user.address, subject, text: 'hi' });

describe('IMAP IDLE watch against the test Dovecot', () => {
  it('reports each arrival while idling, across IDLE restarts, without touching the messages\' flags', async () => {
    const user = await createMailUser('idlea');
    await appendToInbox(user, await mail(user, 'before the watch'));
    let arrivals = 0;
    // Quiet longer than the command timeout is normal while idling: the watch must survive it.
    const watch = await watchImapInbox(connection(user), { restartMs: 1000, commandTimeoutMs: 800 }, () => arrivals++);
    let endedEarly: string | undefined;
    void watch.ended.then((reason) => (endedEarly = reason));
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(arrivals).toBe(0);
      await appendToInbox(user, await mail(user, 'first'));
      await waitFor('the first arrival reported', () => arrivals >= 1, 15_000, 50);
      // After IDLE restarts and quiet beyond the command timeout, the watch is still up and reports.
      await new Promise((r) => setTimeout(r, 3500));
      expect(endedEarly).toBeUndefined();
      const before = arrivals;
      await appendToInbox(user, await mail(user, 'second'));
      await waitFor('the second arrival reported', () => arrivals > before, 15_000, 50);
    } finally {
      await watch.stop();
    }
    expect(await watch.ended).toBeTruthy();
    expect((await listInbox(user)).every((m) => !m.flags.has('\\Seen'))).toBe(true);
  });

  it('rejects with the server\'s words when the login is refused', async () => {
    const user = await createMailUser('idleb');
    const err: unknown = await watchImapInbox(connection(user, 'wrong'), {}, () => undefined).then(() => 'connected', (e: unknown) => e);
    expect(serverMessage(err)).toContain('Authentication failed');
  });

  it('ends (with a reason) when the connection is dropped under it', async () => {
    const user = await createMailUser('idlec');
    const proxy = await tcpProxy(TEST_DOVECOT.host, TEST_DOVECOT.imapPort);
    try {
      const watch = await watchImapInbox({ ...connection(user), port: proxy.port }, {}, () => undefined);
      proxy.dropAll();
      expect(typeof (await watch.ended)).toBe('string');
    } finally {
      await proxy.close();
    }
  });
});

