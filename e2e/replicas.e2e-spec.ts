/**
 * Replicas: 3 incoming and 2 outgoing processes share 12 mailboxes and the send queue. One
 * incoming replica is SIGKILLed while mail arrives and another joins later; one outgoing replica
 * is SIGKILLed mid-send. Every message is tracked exactly once, no mailbox is ever polled by two
 * replicas at once (from the poll spans incoming records), and every email is sent, a second
 * copy only for the kill window and then with the same Message-ID.
 */
import { simpleParser } from 'mailparser';
import { appendToInbox, buildMime, SmtpSink, waitFor } from '@mailrouter/testing';
import { buildWorld, emailById, emailsFor, EmailView, World } from './support/demo-world';
import { RouterUnderTest } from './support/router';
import { dbNow, overlappingPolls, PollSpan, pollSpans, queryRouterDb, Replicas } from './support/replicas';

const LEASE_SECONDS = 5;
const USERS = 12;

describe('replicas end to end', () => {
  const router = new RouterUnderTest({
    CLAIM_INTERVAL_MS: '300', SEND_RETRY_INITIAL_MS: '500', SEND_RETRY_MAX_MS: '1000', SEND_ATTEMPT_LEASE_MS: '6000',
    POLL_LEASE_SECONDS: String(LEASE_SECONDS), REPLICA_TTL_SECONDS: String(LEASE_SECONDS), POLL_TICK_MS: '500',
  });
  const replicas = new Replicas(router);
  const sink = new SmtpSink({ delayMs: 150 });
  let world: World;
  const keys = Array.from({ length: USERS }, (_, i) => `rep${i}`);

  beforeAll(async () => {
    await sink.start();
    await router.start(['config', 'crm-sync']);
    // The first replica of each app migrates its schema (two migrating at once would collide).
    await Promise.all([replicas.start('incoming', 'in-1'), replicas.start('outgoing', 'out-1')]);
    await Promise.all([replicas.start('incoming', 'in-2'), replicas.start('incoming', 'in-3'), replicas.start('outgoing', 'out-2')]);
    world = await buildWorld(router, sink, keys.map((key) => ({ key, tracking: 'all' })));
  });

  afterAll(async () => {
    await replicas.stopAll();
    await router.stop();
    await sink.stop();
  });

  async function trackedCount(): Promise<EmailView[][]> {
    return Promise.all(keys.map((k) => emailsFor(router, { direction: 'incoming', ownerId: world.users[k].crm.id })));
  }

  it('the overlap check finds overlapping polls (so that it can fail)', () => {
    const s = (replicaId: string, startedAt: number, endedAt: number | null): PollSpan => ({ mailboxId: 'm', replicaId, startedAt, endedAt });
    expect(overlappingPolls([s('a', 0, 10), s('b', 10, 20)], {}, 100)).toHaveLength(0);
    expect(overlappingPolls([s('a', 0, 10), s('b', 9, 20)], {}, 100)).toHaveLength(1);
    expect(overlappingPolls([s('a', 0, null), s('b', 50, 60)], { a: 40 }, 100)).toHaveLength(0);
    expect(overlappingPolls([s('a', 0, null), s('b', 50, 60)], {}, 100)).toHaveLength(1);
  });

  it('incoming: a replica killed and another added while mail arrives — every message tracked once, no mailbox polled twice at once', async () => {
    // Every replica serves its share before mail arrives.
    await waitFor('12 mailboxes held by 3 replicas', async () => {
      const rows = await queryRouterDb<{ owner: string; n: number }>(router,
        `SELECT owner, count(*)::int AS n FROM incoming.mailbox_state WHERE owner IS NOT NULL AND lease_until > now() GROUP BY owner`);
      return rows.length === 3 && rows.every((r) => r.n === USERS / 3);
    }, 60_000, 250);

    const perUser = 5;
    const subjects: string[] = [];
    let killedAt = 0;
    let joined = false;
    for (let round = 0; round < perUser; round++) {
      for (const k of keys) {
        const subject = `Order ${k}-${round}`;
        subjects.push(subject);
        const mail = world.users[k].mail;
        await appendToInbox(mail, await buildMime({
          from: 'dana@contoso.test', to: mail.address, subject, messageId: `<order-${k}-${round}@contoso.test>`, text: subject,
        }));
      }
      if (round === 1) {
        await replicas.get('in-1').kill('SIGKILL');
        killedAt = await dbNow(router);
      }
      if (round === 3) {
        // While in-1's leases still run out, a new replica joins.
        await replicas.start('incoming', 'in-4');
        joined = true;
      }
      await new Promise((r) => setTimeout(r, 700));
    }
    expect(joined).toBe(true);

    const tracked = await waitFor(`${subjects.length} messages tracked`, async () => {
      const lists = await trackedCount();
      return lists.flat().length >= subjects.length ? lists : undefined;
    }, 120_000, 500);
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would have had its chance
    const after = (await trackedCount()).flat();
    expect(after).toHaveLength(subjects.length);
    expect(after.map((e) => e.subject).sort()).toEqual([...subjects].sort());
    keys.forEach((k, i) => expect(tracked[i]).toHaveLength(perUser));

    // The evidence: no two polls of one mailbox overlapped, whichever replicas ran them.
    const spans = await pollSpans(router);
    const now = await dbNow(router);
    expect(overlappingPolls(spans, { 'in-1': killedAt }, now)).toEqual([]);
    const polledBy = (replica: string, after = 0) => new Set(spans.filter((s) => s.replicaId === replica && s.startedAt > after).map((s) => s.mailboxId));
    const killedServed = polledBy('in-1');
    expect(killedServed.size).toBeGreaterThan(0);
    // in-1's mailboxes were taken over by the others, and in-4 got a share.
    const takenOver = new Set([...polledBy('in-2', killedAt), ...polledBy('in-3', killedAt), ...polledBy('in-4', killedAt)]);
    for (const id of killedServed) expect(takenOver.has(id)).toBe(true);
    expect(polledBy('in-4').size).toBeGreaterThan(0);
    // The shares settle at ceil(12 / 3 live replicas) each, in-1 no longer among them.
    await waitFor('the 12 mailboxes shared by in-2, in-3, in-4', async () => {
      const rows = await queryRouterDb<{ owner: string; n: number }>(router,
        `SELECT owner, count(*)::int AS n FROM incoming.mailbox_state WHERE owner IS NOT NULL AND lease_until > now() GROUP BY owner`);
      return rows.length === 3 && rows.every((r) => r.owner !== 'in-1' && r.n === USERS / 3);
    }, 60_000, 250);
  });

  it('incoming: a replica stopped with SIGTERM gives its mailboxes back at once', async () => {
    const held = await queryRouterDb<{ mailbox_id: string }>(router, `SELECT mailbox_id FROM incoming.mailbox_state WHERE owner = 'in-2'`);
    expect(held.length).toBeGreaterThan(0);
    await replicas.get('in-2').stop();
    // Released by in-2 itself on the way out, not left to run out.
    const still = await queryRouterDb<{ n: number }>(router, `SELECT count(*)::int AS n FROM incoming.mailbox_state WHERE owner = 'in-2'`);
    expect(still[0].n).toBe(0);
    const heartbeat = await queryRouterDb<{ n: number }>(router, `SELECT count(*)::int AS n FROM incoming.replica WHERE replica_id = 'in-2'`);
    expect(heartbeat[0].n).toBe(0);
    await waitFor('the 12 mailboxes shared by in-3 and in-4', async () => {
      const rows = await queryRouterDb<{ owner: string; n: number }>(router,
        `SELECT owner, count(*)::int AS n FROM incoming.mailbox_state WHERE owner IS NOT NULL AND lease_until > now() GROUP BY owner`);
      return rows.length === 2 && rows.every((r) => ['in-3', 'in-4'].includes(r.owner) && r.n === USERS / 2);
    }, 60_000, 250);
  });

  it('outgoing: one of two replicas killed mid-send — every email sent, a second copy only with the same Message-ID', async () => {
    const sender = world.users[keys[0]];
    const count = 20;
    const ids: string[] = [];
    const acceptedBefore = sink.accepted.length;
    for (let i = 0; i < count; i++) {
      const e = await router.call<EmailView>('POST', '/crm/v1/emails', {
        fromUserId: sender.crm.id, to: [`replica-customer${i}@contoso.test`], subject: `Quote ${i}`, text: 'x', send: true,
      }, 201);
      ids.push(e.id);
    }
    await waitFor('some sends accepted', () => sink.accepted.length >= acceptedBefore + 3, 30_000, 20);
    await replicas.get('out-1').kill('SIGKILL');
    const final = await waitFor('all emails sent', async () => {
      const emails = await Promise.all(ids.map((id) => emailById(router, id)));
      return emails.every((e) => e.status === 'sent') ? emails : undefined;
    }, 120_000, 500);
    let duplicates = 0;
    for (const email of final) {
      const copies = sink.accepted.filter((m) => m.to.includes(`replica-customer${ids.indexOf(email.id)}@contoso.test`));
      expect(copies.length).toBeGreaterThanOrEqual(1);
      const messageIds = new Set(await Promise.all(copies.map(async (c) => (await simpleParser(c.raw)).messageId)));
      expect(messageIds.size).toBe(1);
      duplicates += copies.length - 1;
    }
    // Only sends in flight in the killed replica can repeat (at most its pool's connections).
    expect(duplicates).toBeLessThanOrEqual(4);
    console.log(`one of two outgoing replicas killed: ${count} emails sent, ${duplicates} detectable duplicate(s)`);
  });
});
