import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { FORWARDED_FOR_HEADER } from '@mailrouter/domain';
import { forwardRuleToken } from '@mailrouter/platform';
import {
  buildMime, createMailUser, deliverViaLmtp, fetchInboxRaw, MailUser, TEST_DOVECOT, uniqueName, waitFor,
} from '@mailrouter/testing';
import type { ServerConnection } from '../endpoint';
import { ManageSieveClient } from './managesieve-client';
import { deploySieveForwardRule, removeSieveForwardRule } from './sieve-forward-rule';
import { SIEVE_FORWARD_SCRIPT, SIEVE_WRAPPER_SCRIPT } from './sieve-script';

/** Real Dovecot + Pigeonhole: ManageSieve to deploy, LMTP to deliver (Sieve runs), IMAP to look. */
describe('Sieve forward rule over ManageSieve (real Dovecot, LMTP delivery)', () => {
  const key = randomBytes(32);
  let alice: MailUser;
  let forward: MailUser;

  function connOf(user: MailUser, password = user.password): ServerConnection {
    return {
      protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none',
      auth: { type: 'basic', username: user.username, password }, allowInvalidCertificates: false, maxConnections: 1,
      mailbox: user.address, manageSievePort: TEST_DOVECOT.manageSievePort,
    };
  }

  async function scriptsOf(user: MailUser) {
    const c = await ManageSieveClient.connect(connOf(user));
    try {
      await c.authenticate(user.username, user.password);
      return await c.listScripts();
    } finally {
      await c.logout();
    }
  }

  async function deliver(to: MailUser, subject: string, headers: Record<string, string> = {}): Promise<string> {
    const messageId = `<${uniqueName('sieve')}@acme.test>`;
    await deliverViaLmtp(to.address, await buildMime({ from: 'bob@acme.test', to: to.address, subject, text: 'hello', messageId, headers }));
    return messageId;
  }

  async function findIn(user: MailUser, messageId: string) {
    for (const raw of await fetchInboxRaw(user)) {
      const parsed = await simpleParser(raw);
      if (parsed.messageId === messageId) return parsed;
    }
    return undefined;
  }

  beforeEach(() => {
    alice = createMailUser('alice');
    forward = createMailUser('fwd');
  });

  it('deploys once (second time unchanged), redirects a marked copy with a valid token, and alice keeps hers', async () => {
    const first = await deploySieveForwardRule(connOf(alice), forward.address, key);
    expect(first).toMatchObject({ change: 'created' });
    expect(first.message).toContain(forward.address);
    const second = await deploySieveForwardRule(connOf(alice), forward.address, key);
    expect(second).toMatchObject({ change: 'unchanged' });
    expect(await scriptsOf(alice)).toEqual([{ name: SIEVE_FORWARD_SCRIPT, active: true }]);

    // a sender's forged header is stripped; ours replaces it
    const id = await deliver(alice, 'Quote please', { [FORWARDED_FOR_HEADER]: 'ceo@ours.test; token=forged' });
    const kept = await waitFor('alice\'s own copy', () => findIn(alice, id));
    expect(kept.headers.get(FORWARDED_FOR_HEADER.toLowerCase())).toBeUndefined();
    const copy = await waitFor('the redirected copy in the forward mailbox', () => findIn(forward, id));
    expect(copy.subject).toBe('Quote please');
    expect(copy.headers.get(FORWARDED_FOR_HEADER.toLowerCase()))
      .toBe(`${alice.address}; token=${forwardRuleToken(key, forward.address, alice.address)}`);
  });

  it('a changed forward address updates the script', async () => {
    await deploySieveForwardRule(connOf(alice), forward.address, key);
    const other = createMailUser('fwd2');
    expect(await deploySieveForwardRule(connOf(alice), other.address, key)).toMatchObject({ change: 'updated' });
    const id = await deliver(alice, 'To the new one');
    await waitFor('the copy in the new forward mailbox', () => findIn(other, id));
    expect(await findIn(forward, id)).toBeUndefined();
  });

  it('keeps the user\'s own active script running after ours, and restores it on removal', async () => {
    const c = await ManageSieveClient.connect(connOf(alice));
    try {
      await c.authenticate(alice.username, alice.password);
      expect(await c.checkScript('require "editheader";\r\naddheader "X-Alice-Filter" "ran";\r\n')).toBe('');
      await c.putScript('my-filters', 'require "editheader";\r\naddheader "X-Alice-Filter" "ran";\r\n');
      await c.setActive('my-filters');
    } finally {
      await c.logout();
    }

    const deployed = await deploySieveForwardRule(connOf(alice), forward.address, key);
    expect(deployed.change).toBe('created');
    expect(deployed.message).toContain('"my-filters" still runs');
    expect(await deploySieveForwardRule(connOf(alice), forward.address, key)).toMatchObject({ change: 'unchanged' });
    expect(await scriptsOf(alice)).toEqual(expect.arrayContaining([
      { name: 'my-filters', active: false }, { name: SIEVE_FORWARD_SCRIPT, active: false }, { name: SIEVE_WRAPPER_SCRIPT, active: true },
    ]));
    const id = await deliver(alice, 'Both run');
    expect((await waitFor('alice\'s copy', () => findIn(alice, id))).headers.get('x-alice-filter')).toBe('ran');
    await waitFor('the redirected copy', () => findIn(forward, id));

    expect(await removeSieveForwardRule(connOf(alice), forward.address)).toMatchObject({ change: 'removed' });
    expect(await scriptsOf(alice)).toEqual([{ name: 'my-filters', active: true }]);
  });

  it('remove: no more redirects; removing again is absent', async () => {
    await deploySieveForwardRule(connOf(alice), forward.address, key);
    const removed = await removeSieveForwardRule(connOf(alice), forward.address);
    expect(removed).toMatchObject({ change: 'removed' });
    expect(await scriptsOf(alice)).toEqual([]);
    expect(await removeSieveForwardRule(connOf(alice), forward.address)).toMatchObject({ change: 'absent' });
    const id = await deliver(alice, 'Not forwarded');
    await waitFor('alice\'s copy', () => findIn(alice, id));
    expect(await findIn(forward, id)).toBeUndefined();
    expect(await fetchInboxRaw(forward)).toHaveLength(0);
  });

  it('the server refuses a broken script with its compiler message', async () => {
    const c = await ManageSieveClient.connect(connOf(alice));
    try {
      await c.authenticate(alice.username, alice.password);
      await expect(c.putScript('broken', 'redirect "x@y.test"\r\n')).rejects.toThrow(/PUTSCRIPT answered NO.*error/i);
      expect(await c.getScript('broken')).toBeNull();
    } finally {
      await c.logout();
    }
  });

  // Last: Dovecot delays this IP's next logins after a failed one (auth penalty).
  it('a wrong password fails with the server\'s words; an unreachable port names the server', async () => {
    await expect(deploySieveForwardRule(connOf(alice, 'wrong'), forward.address, key))
      .rejects.toThrow(/AUTHENTICATE answered NO.*Authentication failed/);
    await expect(deploySieveForwardRule({ ...connOf(alice), manageSievePort: 1 }, forward.address, key))
      .rejects.toThrow(/ManageSieve 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
