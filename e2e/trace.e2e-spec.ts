/**
 * The trace API across the four services as processes: why a received message was (not)
 * tracked and what became of CRM email, and a partial answer when a service is down.
 */
import { appendToInbox, buildMime, listInbox, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, emailById, EmailView, World } from './support/demo-world';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface TraceAnswer {
  items: Json[];
  partial: boolean;
  missing: string[];
}

describe('trace: why was this (not) tracked / sent', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300', SEND_MAX_ATTEMPTS: '2', TRACE_TIMEOUT_SECONDS: '2' });
  const sink = new SmtpSink({
    script: (_offer, _from, to) =>
      to.some((t) => t.startsWith('reject@')) ? { code: 550, message: '5.1.1 <reject@contoso.test>: mailbox unavailable' } : undefined,
  });
  let world: World;

  const trace = (query: string) => router.call<TraceAnswer>('GET', `/api/v1/trace${query}`);
  /** Waits until the trace shows the message decided and settled on the server. */
  const settledTrace = (messageId: string) =>
    waitFor(`trace of ${messageId} settled`, async () => {
      const answer = await trace(`/${encodeURIComponent(messageId)}`);
      return answer.items[0]?.stage === 'settled' ? answer : undefined;
    }, 30_000);

  beforeAll(async () => {
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, [
      { key: 'alice', tracking: 'all' },
      { key: 'bob', tracking: 'responses' },
    ]);
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('explains a tracked message: the verdict, the activity, its parties, the mailbox, settled on the server', async () => {
    const alice = world.users.alice;
    await appendToInbox(alice.mail, await buildMime({
      from: '"Dana Contact" <dana@contoso.test>', to: alice.mail.address, subject: 'Quote for 40 licences', messageId: '<trace-quote@contoso.test>', text: 'x',
    }));
    const answer = await settledTrace('<trace-quote@contoso.test>');
    expect(answer).toMatchObject({ partial: false, missing: [] });
    expect(answer.items).toHaveLength(1);
    const item = answer.items[0];
    expect(item).toMatchObject({
      direction: 'incoming', messageId: '<trace-quote@contoso.test>', subject: 'Quote for 40 licences', from: 'dana@contoso.test',
      mailbox: { id: alice.mailbox.id, address: alice.mail.address }, receivedAt: expect.any(String),
      verdict: { outcome: 'tracked', reason: 'accept-all' }, activityId: expect.any(String), server: { state: 'settled', tooLarge: false },
    });
    expect(item.to).toContain(alice.mail.address);
    expect(item.parties).toEqual(expect.arrayContaining([
      expect.objectContaining({ role: 'from', address: 'dana@contoso.test', recordType: 'contact', recordId: world.contact.id }),
    ]));
    expect((await emailById(router, item.activityId)).subject).toBe('Quote for 40 licences');
    expect((await listInbox(alice.mail)).every((m) => m.flags.has('\\Seen'))).toBe(true);
  });

  it("explains an ignored message: bob tracks only responses, and this is not one", async () => {
    const bob = world.users.bob;
    await appendToInbox(bob.mail, await buildMime({
      from: 'dana@contoso.test', to: bob.mail.address, subject: 'Unrelated news', messageId: '<trace-unrelated@contoso.test>', text: 'x',
    }));
    const answer = await settledTrace('<trace-unrelated@contoso.test>');
    const item = answer.items[0];
    expect(item).toMatchObject({
      direction: 'incoming', mailbox: { id: bob.mailbox.id }, verdict: { outcome: 'ignored', reason: 'no-correlation-match' },
    });
    expect(item.verdict.reasonText).toMatch(/only responses/);
    expect(item.activityId).toBeUndefined();
    const byMailbox = await trace(`?mailboxId=${bob.mailbox.id}&direction=incoming`);
    expect(byMailbox.items.map((i) => i.messageId)).toEqual(['<trace-unrelated@contoso.test>']);
  });

  it('explains CRM email: sent with its Message-ID, or failed with the server reply', async () => {
    const alice = world.users.alice;
    const ok = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['dana@contoso.test'], subject: 'Trace offer', text: 'x', send: true,
    }, 201);
    const bounced = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['reject@contoso.test'], subject: 'Trace bounce', text: 'x', send: true,
    }, 201);
    const sent = await waitFor('both emails finished', async () => {
      const [a, b] = await Promise.all([emailById(router, ok.id), emailById(router, bounced.id)]);
      return a.status === 'sent' && b.status === 'failed' ? a : undefined;
    }, 30_000);
    const answer = await trace(`?direction=outgoing&mailboxId=${alice.mailbox.id}&subject=Trace`);
    expect(answer).toMatchObject({ partial: false, missing: [] });
    const byId = new Map(answer.items.map((i) => [i.emailId, i]));
    expect(byId.get(ok.id)).toMatchObject({
      direction: 'outgoing', status: 'sent', messageId: sent.messageId, from: alice.mail.address, to: ['dana@contoso.test'],
      deliveryAttempts: 1, sentAt: expect.any(String),
    });
    expect(byId.get(bounced.id)).toMatchObject({ direction: 'outgoing', status: 'failed', to: ['reject@contoso.test'] });
    expect(byId.get(bounced.id)!.failureReason).toMatch(/550/);
    const shortcut = await trace(`/${encodeURIComponent(sent.messageId!)}`);
    expect(shortcut.items.map((i) => i.emailId)).toEqual([ok.id]);
  });

  it('says incoming is missing, and still explains the verdict, when incoming is down', async () => {
    await router.service('incoming').stop();
    const answer = await trace(`/${encodeURIComponent('<trace-quote@contoso.test>')}`);
    expect(answer).toMatchObject({ partial: true, missing: ['incoming'] });
    expect(answer.items[0]).toMatchObject({ stage: 'tracked', verdict: { outcome: 'tracked', reason: 'accept-all' } });
    expect(answer.items[0].server).toBeUndefined();
  });
});
