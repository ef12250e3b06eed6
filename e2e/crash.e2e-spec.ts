/**
 * Crashes: crm-sync and outgoing are SIGKILLed while work is in flight, then restarted.
 * Nothing is lost, nothing is tracked twice, and an email is sent twice only in the window no
 * SMTP client can close — where the deterministic Message-ID makes the duplicate detectable.
 */
import { simpleParser } from 'mailparser';
import { appendToInbox, buildMime, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, emailById, emailsFor, EmailView, World } from './support/demo-world';

describe('crash safety end to end', () => {
  const router = new RouterUnderTest({
    CLAIM_INTERVAL_MS: '300', SEND_RETRY_INITIAL_MS: '500', SEND_RETRY_MAX_MS: '1000', SEND_ATTEMPT_LEASE_MS: '6000',
  });
  const sink = new SmtpSink({ delayMs: 150 });
  let world: World;

  beforeAll(async () => {
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, [{ key: 'erin', tracking: 'all' }]);
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('crm-sync killed while messages are in flight: after a restart every message is tracked exactly once', async () => {
    const erin = world.users.erin;
    const total = 40;
    for (let i = 0; i < total; i++) {
      await appendToInbox(erin.mail, await buildMime({
        // a different sender each: 40 from one sender would (rightly) trip the loop guard
        from: `buyer${i}@contoso.test`, to: erin.mail.address, subject: `Order ${i}`, messageId: `<order-${i}@contoso.test>`, text: `order ${i}`,
      }));
    }
    await waitFor('some messages tracked', async () => (await emailsFor(router, { direction: 'incoming', ownerId: erin.crm.id })).length >= 3, 30_000, 50);
    await router.service('crm-sync').kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await router.startApp('crm-sync');
    const all = await waitFor(`${total} activities`, async () => {
      const list = await emailsFor(router, { direction: 'incoming', ownerId: erin.crm.id });
      return list.length >= total ? list : undefined;
    }, 90_000, 500);
    await new Promise((r) => setTimeout(r, 2000)); // redeliveries that would duplicate have had their chance
    const after = await emailsFor(router, { direction: 'incoming', ownerId: erin.crm.id });
    expect(after).toHaveLength(total);
    expect(new Set(all.map((e) => e.subject)).size).toBe(total);
  });

  it('outgoing killed mid-send: no email lost, and any second copy carries the same Message-ID', async () => {
    const erin = world.users.erin;
    const count = 15;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = await router.call<EmailView>('POST', '/crm/v1/emails', {
        fromUserId: erin.crm.id, to: [`customer${i}@contoso.test`], subject: `Invoice ${i}`, text: 'x', send: true,
      }, 201);
      ids.push(e.id);
    }
    await waitFor('some sends accepted', () => sink.accepted.length >= 2, 30_000, 20);
    await router.service('outgoing').kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await router.startApp('outgoing');
    const final = await waitFor('all emails sent', async () => {
      const emails = await Promise.all(ids.map((id) => emailById(router, id)));
      return emails.every((e) => e.status === 'sent') ? emails : undefined;
    }, 90_000, 500);
    let duplicates = 0;
    for (const email of final) {
      const copies = sink.accepted.filter((m) => m.to.includes(`customer${ids.indexOf(email.id)}@contoso.test`));
      expect(copies.length).toBeGreaterThanOrEqual(1);
      const messageIds = new Set(await Promise.all(copies.map(async (c) => (await simpleParser(c.raw)).messageId)));
      expect(messageIds.size).toBe(1);
      duplicates += copies.length - 1;
    }
    // Only sends in flight at the moment of the kill can repeat (at most the pool's connections).
    expect(duplicates).toBeLessThanOrEqual(4);
    console.log(`outgoing crash: ${count} emails sent, ${duplicates} detectable duplicate(s)`);
  });
});
