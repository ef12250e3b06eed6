/**
 * Fault 2: the NATS server goes away under load — stopped cleanly, then SIGKILLed — and comes
 * back on the same port and JetStream store. Publishers retry until the server acknowledges,
 * consumers resume by themselves, and afterwards every received message has exactly one
 * activity and every email was sent exactly once (a second SMTP copy, if any, carries the same
 * Message-ID and is counted). The four services run on a private nats-server so that only this
 * test's broker is broken.
 */
import { PrivateNats, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, World } from './support/demo-world';
import {
  Batch, composeEmails, exitedServices, fillMailboxes, quarantinedCount, tallyIncoming, tallyOutgoing, trackedCount,
} from './support/outage-load';

const USERS = 4;
const MESSAGES_PER_USER = 40; // ×4 users ×2 rounds: 320 received messages
const EMAILS_PER_ROUND = 100; // ×2 rounds: 200 emails sent
// Longer than a publish's ack timeout (PUBLISH_TIMEOUT_MS): publishes in flight time out and are retried.
const OUTAGE_MS = 8_000;
const DRAIN_TIMEOUT_MS = 240_000;
/** Sends in flight at once: the most that can be sent again because their result was not acknowledged. */
const SEND_CONCURRENCY = 8;

describe('NATS outage under load (fault 2)', () => {
  const nats = new PrivateNats();
  // Slow answers to DATA keep sends in flight when the broker goes.
  const sink = new SmtpSink({ delayMs: 250 });
  let router: RouterUnderTest;
  let world: World;

  beforeAll(async () => {
    await nats.start();
    await sink.start();
    router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300', SEND_RETRY_INITIAL_MS: '500', SEND_RETRY_MAX_MS: '2000', SEND_CONCURRENCY: String(SEND_CONCURRENCY) }, { natsUrl: nats.url });
    await router.start();
    world = await buildWorld(router, sink, Array.from({ length: USERS }, (_, i) => ({ key: `nats${i}`, tracking: 'all' })));
  }, 180_000);

  afterAll(async () => {
    await router?.stop();
    await sink.stop();
    await nats.destroy();
  });

  /** Loads the router, breaks NATS once some of the work is through, brings it back, counts. */
  async function round(tag: string, how: 'clean' | 'kill'): Promise<void> {
    const sentBefore = sink.accepted.length;
    // The slow sink keeps the emails going while the mail is put in, which is tracked fast:
    // the break comes once some mail is through, with most of both still in flight or waiting.
    const outgoing = await composeEmails(router, world, tag, EMAILS_PER_ROUND);
    const incoming = await fillMailboxes(world, tag, MESSAGES_PER_USER);
    const batch: Batch = { tag, incoming, outgoing };
    await waitFor(`${tag}: first messages tracked`, async () => (await trackedCount(router, batch)) >= 10, 120_000, 100);
    const trackedAtBreak = await trackedCount(router, batch);
    const sentAtBreak = sink.accepted.length - sentBefore;
    await nats.restart(how, OUTAGE_MS);

    const inTally = await tallyIncoming(router, batch, DRAIN_TIMEOUT_MS);
    const outTally = await tallyOutgoing(router, sink, batch, DRAIN_TIMEOUT_MS);
    const quarantined = await quarantinedCount(router.db.url);
    const exited = exitedServices(router);
    console.log(
      `NATS ${how === 'clean' ? 'stopped cleanly' : 'SIGKILLed'} for ${OUTAGE_MS} ms (at the break ${trackedAtBreak} tracked, ${sentAtBreak} sent): ` +
      `received ${inTally.expected}, tracked ${inTally.tracked}, ` +
      `missing ${inTally.missing}, duplicate activities ${inTally.duplicates}; emails ${outTally.expected}, sent ${outTally.sent}, ` +
      `failed ${outTally.failed}, stuck ${outTally.stuck}, detectable duplicate sends ${outTally.detectableDuplicates}, ` +
      `silent duplicate sends ${outTally.silentDuplicates}; quarantined ${quarantined}; services exited: ${exited.join(', ') || 'none'}`,
    );
    expect(inTally).toEqual({ expected: inTally.expected, tracked: inTally.expected, missing: 0, duplicates: 0 });
    expect(outTally).toMatchObject({ sent: outTally.expected, failed: 0, stuck: 0, silentDuplicates: 0 });
    // Only sends whose SMTP answer and result were in flight when the broker went can repeat.
    expect(outTally.detectableDuplicates).toBeLessThanOrEqual(SEND_CONCURRENCY);
    expect(quarantined).toBe(0);
    expect(exited).toEqual([]);
  }

  it('stopped cleanly and restarted: nothing missing, nothing twice', () => round('clean', 'clean'), 600_000);

  it('SIGKILLed and restarted: nothing missing, nothing twice', () => round('kill', 'kill'), 600_000);
});
