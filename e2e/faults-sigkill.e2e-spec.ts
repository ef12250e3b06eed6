/**
 * Fault 1 of issue 6: twenty SIGKILLs, each service in turn at a random point, each followed by
 * a restart, while 1,000 messages (each with 1–3 attachments) flow in and 500 CRM emails go out.
 * Afterwards every message has exactly one activity with all its attachments, and every email
 * is sent (at least once, any second copy detected) or failed with a reason. Replay a run with
 * SEED=<the printed seed>.
 */
import { SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, World } from './support/demo-world';
import { queryRouterDb } from './support/replicas';
import {
  appendAll, buildLoadMessage, composeSurvivingCrashes, copiesByMessageId, Gates, incomingActivities, KillPlan,
  deferred, LoadMessage, outgoingEmails, possibleDuplicates, runKillRounds, seededRandom, seedFromEnv, sleep,
} from './support/faults';

const MAILBOXES = 10;
const MESSAGES_IN = 1000;
const EMAILS_OUT = 500;
const PLAN: KillPlan = {
  rounds: 20,
  order: ['config', 'incoming', 'crm-sync', 'outgoing'],
  beforeKillMs: [300, 2500],
  deadMs: [100, 1200],
};
const CLAIM_INTERVAL_MS = 300;
const CRM_SYNC_AFTER_BURST_MS: [number, number] = [0, 2 * CLAIM_INTERVAL_MS];
/** maxConnections of an SMTP profile that sets none: the most SMTP transactions one outgoing has open. */
const SMTP_POOL_CONNECTIONS = 4;
/** How long the router may take to drain everything after the last restart (a loaded CI machine). */
const QUIET_TIMEOUT_MS = 420_000;

describe('SIGKILL rounds under load', () => {
  const seed = seedFromEnv();
  const router = new RouterUnderTest({
    // SEND_LEASE_MS stays at its default (10 min): an email claimed by a crm-sync that died before
    // handing it over must come back after the 30 s hand-over lease, not stay `sending`.
    CLAIM_INTERVAL_MS: String(CLAIM_INTERVAL_MS),
    SEND_RETRY_INITIAL_MS: '500',
    SEND_RETRY_MAX_MS: '2000',
    // An attempt left by a killed outgoing is taken over after this.
    SEND_ATTEMPT_LEASE_MS: '5000',
  });
  // Answering DATA a little late keeps sends in flight when outgoing is killed.
  const sink = new SmtpSink({ delayMs: 25 });
  let world: World;
  const owners = Array.from({ length: MAILBOXES }, (_, i) => `load${i}`);

  beforeAll(async () => {
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, owners.map((key) => ({ key, tracking: 'all' })));
  }, 180_000);

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('twenty SIGKILLs: every message tracked once with all its attachments, every email sent or failed with a reason', async () => {
    console.log(`SIGKILL rounds: seed ${seed} (replay with SEED=${seed}); logs .run/test-logs/*-${router.prefix}-*.log`);
    const started = Date.now();
    const rng = seededRandom(seed);
    const loadRng = seededRandom(seed ^ 0x5bd1e995);
    const users = owners.map((k) => world.users[k]);

    const messages: LoadMessage[] = [];
    for (let i = 0; i < MESSAGES_IN; i++) messages.push(await buildLoadMessage(loadRng, seed, i, users[i % MAILBOXES].mail, i % MAILBOXES));
    const subjects = Array.from({ length: EMAILS_OUT }, (_, j) => `Sigkill ${seed} email ${j}`);
    const recipient = (j: number) => `rcpt${j}@partners.test`;

    // The load comes in slices, one per round, so that every kill lands on work in flight.
    const gates = new Gates(PLAN.rounds);
    const perRoundIn = Math.ceil(MESSAGES_IN / PLAN.rounds);
    const perRoundOut = Math.ceil(EMAILS_OUT / PLAN.rounds);
    const inbound = (async () => {
      for (let r = 0; r < PLAN.rounds; r++) {
        await gates.wait(r);
        const slice = messages.slice(r * perRoundIn, (r + 1) * perRoundIn);
        await Promise.all(users.map((u, o) => appendAll(u.mail, slice.filter((m) => m.owner === o).map((m) => m.raw))));
      }
    })();
    const emailIds: string[] = [];
    const composed = Array.from({ length: PLAN.rounds }, () => deferred());
    const outbound = (async () => {
      for (let r = 0; r < PLAN.rounds; r++) {
        await gates.wait(r);
        const slice = subjects.map((s, j) => ({ s, j })).slice(r * perRoundOut, (r + 1) * perRoundOut);
        let next = 0;
        await Promise.all(Array.from({ length: 4 }, async () => {
          while (next < slice.length) {
            const { s, j } = slice[next++];
            emailIds[j] = await composeSurvivingCrashes(router, users[j % MAILBOXES].crm.id, recipient(j), s);
          }
        }));
        composed[r].resolve();
      }
    })();
    let kills: Record<string, number>;
    try {
      kills = await runKillRounds(router, rng, {
        ...PLAN,
        // crm-sync dies within a claim interval or so of a burst of emails: while it claims them
        // and hands them to outgoing (the window where a claim can be left behind).
        killWhen: (app, r) => (app === 'crm-sync' ? { after: composed[r].promise, withinMs: CRM_SYNC_AFTER_BURST_MS } : undefined),
      }, gates);
    } finally {
      gates.openAll(); // a failed restart must not leave the producers waiting
      composed.forEach((d) => d.resolve());
    }
    await Promise.all([inbound, outbound]);
    const loadDone = Date.now();

    // Quiet: every message settled on the server after its verdict, every email final.
    const expectedIds = new Set(messages.map((m) => m.messageId));
    await waitFor(`${MESSAGES_IN} received messages with a verdict applied`, async () => {
      const [{ settled }] = await queryRouterDb<{ settled: number }>(router,
        `SELECT count(*)::int AS settled FROM incoming.received_message WHERE state = 'settled'`);
      return settled >= MESSAGES_IN;
    }, QUIET_TIMEOUT_MS, 1000);
    let unsettled: string[] = [];
    await waitFor(`${EMAILS_OUT} emails sent or failed`, async () => {
      const rows = await outgoingEmails(router);
      unsettled = rows.filter((e) => e.status !== 'sent' && e.status !== 'failed').map((e) => `${e.id} ${e.status} (claim ${e.claim_count})`);
      return rows.length >= EMAILS_OUT && !unsettled.length;
    }, QUIET_TIMEOUT_MS, 1000).catch((err: Error) => {
      throw new Error(`${err.message}; not final: ${unsettled.length} [${unsettled.slice(0, 10).join('; ')}]`);
    });
    await sleep(3000); // redeliveries that would duplicate have had their chance

    // Incoming: one activity per message, for its owner, with all its attachments.
    const received = await queryRouterDb<{ state: string; activity_id: string | null }>(router, 'SELECT state, activity_id FROM incoming.received_message');
    expect(received).toHaveLength(MESSAGES_IN);
    expect(received.filter((r) => r.state !== 'settled' || !r.activity_id)).toEqual([]);
    const activities = await incomingActivities(router);
    expect(activities).toHaveLength(MESSAGES_IN);
    const byMessageId = new Map<string, typeof activities>();
    for (const a of activities) byMessageId.set(a.message_id, [...(byMessageId.get(a.message_id) ?? []), a]);
    let attachmentsChecked = 0;
    const problems: string[] = [];
    for (const m of messages) {
      const found = byMessageId.get(m.messageId) ?? [];
      if (found.length !== 1) {
        problems.push(`${m.messageId}: ${found.length} activities`);
        continue;
      }
      const [activity] = found;
      if (activity.owner_id !== users[m.owner].crm.id) problems.push(`${m.messageId}: tracked for the wrong owner`);
      const got = [...(activity.attachments ?? [])].sort((a, b) => a.filename.localeCompare(b.filename));
      if (JSON.stringify(got) !== JSON.stringify(m.attachments)) {
        problems.push(`${m.messageId}: attachments ${JSON.stringify(got)} ≠ ${JSON.stringify(m.attachments)}`);
      }
      attachmentsChecked += got.length;
    }
    expect(problems).toEqual([]);
    expect([...byMessageId.keys()].filter((id) => !expectedIds.has(id))).toEqual([]);

    // Outgoing: each composed once; sent (the sink has it) or failed with a reason; copies counted.
    const emails = await outgoingEmails(router);
    expect(emails).toHaveLength(EMAILS_OUT);
    expect(new Set(emailIds).size).toBe(EMAILS_OUT);
    const sent = emails.filter((e) => e.status === 'sent');
    const failed = emails.filter((e) => e.status === 'failed');
    expect(failed.filter((e) => !e.failure_reason)).toEqual([]);
    const copies = copiesByMessageId(world.sink.accepted);
    const flagged = await possibleDuplicates(router);
    const ours = new Set(emails.map((e) => e.message_id));
    expect([...copies.keys()].filter((id) => !ours.has(id))).toEqual([]); // nothing the CRM did not compose
    let duplicates = 0;
    const undetected: string[] = [];
    for (const e of emails) {
      const got = e.message_id ? copies.get(e.message_id) ?? [] : [];
      if (e.status === 'sent') {
        expect(got.length).toBeGreaterThanOrEqual(1);
        const j = subjects.indexOf(e.subject);
        expect(got.every((c) => c.to.join(',') === recipient(j))).toBe(true);
      }
      if (got.length > 1) {
        duplicates += got.length - 1;
        if (!flagged.has(e.id)) undetected.push(e.id);
      }
    }
    // A second copy needs the server to have taken the message (end of DATA) while the send log
    // still said `sending`: only transactions open when outgoing died, at most the pool's
    // connections per kill. Each such email is flagged possible duplicate (same Message-ID).
    expect(undetected).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(kills.outgoing * SMTP_POOL_CONNECTIONS);

    const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `SIGKILL rounds: seed ${seed}; kills ${PLAN.order.map((a) => `${a} ${kills[a]}`).join(', ')}; ` +
      `received ${received.length}, activities ${activities.length}, attachments checked ${attachmentsChecked}; ` +
      `emails sent ${sent.length}, failed ${failed.length}, claimed again ${emails.filter((e) => e.claim_count > 1).length}; SMTP duplicates ${duplicates} ` +
      `(bound ${kills.outgoing * SMTP_POOL_CONNECTIONS}, all flagged possible duplicate); ` +
      `load+kills ${secs(loadDone - started)}, elapsed ${secs(Date.now() - started)}`,
    );
  }, 900_000);
});
