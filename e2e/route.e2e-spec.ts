/**
 * The whole route through the four services as processes: IMAP/POP3 in → built-in CRM →
 * SMTP out, configured and published through the config API only.
 */
import { simpleParser } from 'mailparser';
import { appendToInbox, buildMime, listInbox, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, emailById, emailsFor, EmailView, World } from './support/demo-world';

describe('MailRouter end to end', () => {
  const router = new RouterUnderTest({
    CLAIM_INTERVAL_MS: '300',
    SEND_RETRY_INITIAL_MS: '500',
    SEND_RETRY_MAX_MS: '1000',
    SEND_MAX_ATTEMPTS: '3',
  });
  // 451 on the first offer to tempfail@, 550 always to reject@.
  const tempfailOffers = new Set<number>();
  const sink = new SmtpSink({
    script: (offer, _from, to) => {
      if (to.some((t) => t.startsWith('reject@'))) return { code: 550, message: '5.1.1 <reject@contoso.test>: mailbox unavailable' };
      if (to.some((t) => t.startsWith('tempfail@')) && tempfailOffers.size === 0) {
        tempfailOffers.add(offer);
        return { code: 451, message: '4.3.0 temporary local problem, try later' };
      }
      return undefined;
    },
  });
  let world: World;

  beforeAll(async () => {
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, [
      { key: 'alice', tracking: 'all' },
      { key: 'bob', tracking: 'responses' },
      { key: 'carol', tracking: 'all', pop3: true, deleteAfterProcessing: true },
    ]);
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  async function trackedOnce(ownerId: string, messageId: string): Promise<EmailView> {
    const found = await waitFor(`activity for ${messageId}`, async () => {
      const list = await emailsFor(router, { direction: 'incoming', messageId });
      return list.length ? list : undefined;
    }, 30_000);
    expect(found).toHaveLength(1);
    const email = await emailById(router, found[0].id);
    expect(email.owner).toEqual({ type: 'user', id: ownerId });
    return email;
  }

  it('tracks mail from a known contact in an IMAP inbox as one activity linked to the contact and the user, with its attachment, and marks it seen', async () => {
    const alice = world.users.alice;
    const raw = await buildMime({
      from: '"Dana Contact" <dana@contoso.test>', to: alice.mail.address, subject: 'Quote for 40 licences',
      messageId: '<quote-1@contoso.test>', text: 'Please find the quote attached.',
      attachments: [{ filename: 'quote.pdf', content: Buffer.from('%PDF-1.4 quote'), contentType: 'application/pdf' }],
    });
    await appendToInbox(alice.mail, raw);
    const email = await trackedOnce(alice.crm.id, '<quote-1@contoso.test>');
    expect(email.subject).toBe('Quote for 40 licences');
    expect(email.parties).toEqual(expect.arrayContaining([
      expect.objectContaining({ role: 'from', address: 'dana@contoso.test', record: { type: 'contact', id: world.contact.id } }),
      expect.objectContaining({ role: 'to', address: alice.mail.address, record: { type: 'user', id: alice.crm.id } }),
    ]));
    expect(email.attachments).toEqual([expect.objectContaining({ filename: 'quote.pdf', size: 14, stored: true })]);
    await waitFor('message marked \\Seen', async () => (await listInbox(alice.mail)).every((m) => m.flags.has('\\Seen')));
  });

  it('tracks mail through POP3 and deletes it from the server when the mailbox says so', async () => {
    const carol = world.users.carol;
    await appendToInbox(carol.mail, await buildMime({
      from: 'dana@contoso.test', to: carol.mail.address, subject: 'Over POP3', messageId: '<pop-1@contoso.test>', text: 'hi',
    }));
    await trackedOnce(carol.crm.id, '<pop-1@contoso.test>');
    await waitFor('message deleted from the POP3 mailbox', async () => (await listInbox(carol.mail)).length === 0);
  });

  it('gives one activity for the same message delivered twice', async () => {
    const alice = world.users.alice;
    const raw = await buildMime({ from: 'dana@contoso.test', to: alice.mail.address, subject: 'Twice', messageId: '<twice@contoso.test>', text: 'x' });
    await appendToInbox(alice.mail, raw);
    await appendToInbox(alice.mail, raw);
    await waitFor('both copies settled', async () => {
      const inbox = await listInbox(alice.mail);
      const copies = inbox.filter((m) => m.messageId === '<twice@contoso.test>');
      return copies.length === 2 && copies.every((m) => m.flags.has('\\Seen'));
    }, 30_000);
    await trackedOnce(alice.crm.id, '<twice@contoso.test>');
    const trail = await router.call<{ outcome: string; reason: string }[]>('GET', `/crm/v1/received?messageId=${encodeURIComponent('<twice@contoso.test>')}`);
    expect(trail.map((t) => t.reason).sort()).toEqual(['accept-all', 'duplicate']);
  });

  it('sends CRM-composed email with its tracking token, marks it sent, and correlates the reply to the same regarding record', async () => {
    const bob = world.users.bob;
    const composed = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: bob.crm.id, to: ['dana@contoso.test'], subject: 'Renewal offer', text: 'Dear Dana, …',
      regarding: { type: 'account', id: world.account.id }, send: true,
    }, 201);
    const sent = await waitFor('email sent', async () => {
      const e = await emailById(router, composed.id);
      return e.status === 'sent' ? e : undefined;
    }, 30_000);
    expect(sent.trackingToken).toBeTruthy();
    expect(sent.messageId).toMatch(/^<.+@.+>$/);
    const atSink = sink.accepted.find((m) => m.to.includes('dana@contoso.test') && m.raw.toString().includes('Renewal offer'));
    expect(atSink).toBeDefined();
    const parsed = await simpleParser(atSink!.raw);
    expect(parsed.subject).toContain(sent.trackingToken!);
    expect(`<${parsed.messageId?.replace(/^<|>$/g, '')}>`).toBe(sent.messageId);

    // bob tracks only responses: an unrelated message is not tracked, and the trail says why
    await appendToInbox(bob.mail, await buildMime({ from: 'dana@contoso.test', to: bob.mail.address, subject: 'Unrelated', messageId: '<unrelated@contoso.test>', text: 'x' }));
    const reply = await buildMime({
      from: 'dana@contoso.test', to: bob.mail.address, subject: `RE: ${parsed.subject}`, messageId: '<reply-1@contoso.test>',
      inReplyTo: sent.messageId, references: sent.messageId, text: 'Yes please.',
    });
    await appendToInbox(bob.mail, reply);
    const tracked = await trackedOnce(bob.crm.id, '<reply-1@contoso.test>');
    expect(tracked.regarding).toEqual({ type: 'account', id: world.account.id });
    const trail = await waitFor('verdict for the unrelated mail', async () => {
      const t = await router.call<{ outcome: string; reason: string }[]>('GET', `/crm/v1/received?messageId=${encodeURIComponent('<unrelated@contoso.test>')}`);
      return t.length ? t : undefined;
    });
    expect(trail[0]).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    expect(await emailsFor(router, { direction: 'incoming', messageId: '<unrelated@contoso.test>' })).toHaveLength(0);
  });

  it('retries an SMTP 451 and sends on the next attempt; fails at once on 550 with the server reply', async () => {
    const alice = world.users.alice;
    const later = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['tempfail@contoso.test'], subject: 'Try again', text: 'x', send: true,
    }, 201);
    const rejected = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['reject@contoso.test'], subject: 'Bounce me', text: 'x', send: true,
    }, 201);
    const ok = await waitFor('451 then 250', async () => {
      const e = await emailById(router, later.id);
      return e.status === 'sent' ? e : undefined;
    }, 30_000);
    expect(ok.deliveryAttempts).toBe(2);
    const failed = await waitFor('550 failure', async () => {
      const e = await emailById(router, rejected.id);
      return e.status === 'failed' ? e : undefined;
    }, 30_000);
    expect(failed.deliveryAttempts).toBe(1);
    expect(failed.failureReason).toContain('550');
    expect(failed.failureReason).toContain('mailbox unavailable');
    expect(sink.accepted.filter((m) => m.to.includes('tempfail@contoso.test'))).toHaveLength(1);
    expect(sink.accepted.filter((m) => m.to.includes('reject@contoso.test'))).toHaveLength(0);
  });

  it('reports test access: failure with the server message for a wrong password, success for the right one', async () => {
    const alice = world.users.alice;
    const ok = await router.call<{ incoming: { status: string; message: string }; outgoing: { status: string } }>(
      'POST', `/api/v1/mailboxes/${alice.mailbox.id}/test-access`,
    );
    expect(ok.incoming.status).toBe('success');
    expect(ok.outgoing.status).toBe('success');
    await router.call('PATCH', `/api/v1/mailboxes/${alice.mailbox.id}`, { password: 'wrong-password' });
    const bad = await router.call<{ incoming: { status: string; message: string } }>('POST', `/api/v1/mailboxes/${alice.mailbox.id}/test-access`);
    expect(bad.incoming.status).toBe('failure');
    expect(bad.incoming.message).toMatch(/Authentication failed/i);
    const kept = await router.call<{ test: { incoming: { status: string } } }>('GET', `/api/v1/mailboxes/${alice.mailbox.id}`);
    expect(kept.test.incoming.status).toBe('failure');
    await router.call('PATCH', `/api/v1/mailboxes/${alice.mailbox.id}`, { password: alice.mail.password });
  });

  it('shows mailbox status from the running incoming service', async () => {
    const status = await router.call<{ incoming: { active: boolean; messages: { tracked: number; seen: number } } }>(
      'GET', `/api/v1/mailboxes/${world.users.alice.mailbox.id}/status`,
    );
    expect(status.incoming.active).toBe(true);
    expect(status.incoming.messages.tracked).toBeGreaterThanOrEqual(2);
    expect(status.incoming.messages.seen).toBeGreaterThanOrEqual(3);
  });
});
