import type { SendResultV1 } from '@mailrouter/contracts';
import { deterministicMessageId } from '@mailrouter/domain';
import { RouterMetrics } from '@mailrouter/messaging';
import { SmtpScriptAction, SmtpSink, SunkMessage } from '@mailrouter/testing';
import { OutgoingApp, smtpEndpoint, TEST_SENDER, testSendCommand } from './testing/outgoing-app';

/**
 * Issue 6, fault 4: what the SMTP server answers (or fails to answer) decides retry, failure,
 * and whether a second copy may exist. Each test prints one count line.
 * Complements outgoing.integration-spec.ts (451 once, 550, 4xx until give-up, crashed attempt).
 */
const FROM = TEST_SENDER;
const MAX_ATTEMPTS = 3;
const RETRY_INITIAL_MS = 400;

/** `local@` → what the sink does with each offer of a message to it (1-based); undefined accepts. */
const SCRIPTS: Record<string, (n: number) => SmtpScriptAction | undefined> = {
  'r421': (n) => (n === 1 ? { code: 421, message: '4.3.2 shutting down, closing channel' } : undefined),
  'r451': (n) => (n === 1 ? { code: 451, message: '4.3.0 local error' } : undefined),
  'r452': (n) => (n === 1 ? { code: 452, message: '4.3.1 insufficient system storage' } : undefined),
  'r550': () => ({ code: 550, message: '5.1.1 no such user' }),
  'r554': () => ({ code: 554, message: '5.7.1 message refused as spam' }),
  'drop': (n) => (n === 1 ? { drop: true } : undefined),
  'dropalways': () => ({ drop: true }),
};

describe('outgoing against SMTP faults: 4xx retried with backoff, 5xx failed at once, a drop after DATA flagged possible duplicate', () => {
  const outgoing = new OutgoingApp();
  /** Times of each offer per recipient. */
  const offers = new Map<string, number[]>();
  const sink = new SmtpSink({
    script: (_offer, _from, to) => {
      const rcpt = to[0] ?? '';
      const times = [...(offers.get(rcpt) ?? []), Date.now()];
      offers.set(rcpt, times);
      return SCRIPTS[rcpt.split('@')[0]]?.(times.length);
    },
  });
  async function send(emailId: string, to: string): Promise<SendResultV1> {
    await outgoing.publish(testSendCommand(emailId, { to: [{ address: to }], subject: 'Fault', text: 'Hello' }));
    return outgoing.resultOf(emailId);
  }

  function copies(messageId: string): SunkMessage[] {
    return sink.accepted.filter((m) => m.raw.toString('utf8').includes(`Message-ID: ${messageId}`));
  }

  function gapsMs(rcpt: string): number[] {
    const t = offers.get(rcpt) ?? [];
    return t.slice(1).map((x, i) => x - t[i]);
  }

  async function sendsCounted(possibleDuplicate: boolean): Promise<number> {
    const metric = await outgoing.app.get(RouterMetrics, { strict: false }).sends.get();
    return metric.values
      .filter((v) => v.labels.possible_duplicate === String(possibleDuplicate))
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    await sink.start();
    await outgoing.start(smtpEndpoint(sink.port), {
      SEND_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SEND_RETRY_INITIAL_MS: String(RETRY_INITIAL_MS),
      SEND_RETRY_MAX_MS: '2000',
      SEND_IN_FLIGHT_RECHECK_MS: '200',
    });
  });

  afterAll(async () => {
    await outgoing.stop();
    await sink.stop();
  });

  it.each(['421', '451', '452'])('a %s is retried after a backoff and then sent once, on a pool that copes with the closed connection', async (code) => {
    const rcpt = `r${code}@example.org`;
    const result = await send(`email-${code}`, rcpt);
    const gaps = gapsMs(rcpt);
    const sent = copies(result.messageId).length;
    console.log(`SMTP ${code}: offers=${offers.get(rcpt)?.length} attempts=${result.deliveryAttempts} copies=${sent} outcome=${result.outcome} retryGapMs=${gaps.join(',')}`);
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 2, possibleDuplicate: false });
    expect(result.serverResponse).toMatch(/^250 /);
    expect(offers.get(rcpt)).toHaveLength(2);
    expect(sent).toBe(1);
    // Backoff, not a hot loop: the retry waited about the initial delay (generous lower bound).
    expect(gaps[0]).toBeGreaterThanOrEqual(RETRY_INITIAL_MS * 0.75);
    // The pool keeps serving after the server's refusal (a 421 closed its connection).
    const next = await send(`email-${code}-next`, `next${code}@example.org`);
    expect(next).toMatchObject({ outcome: 'sent', deliveryAttempts: 1 });
  });

  it.each(['550', '554'])('a %s fails the email at once with the server reply, after one offer', async (code) => {
    const rcpt = `r${code}@example.org`;
    const result = await send(`email-${code}`, rcpt);
    console.log(`SMTP ${code}: offers=${offers.get(rcpt)?.length} attempts=${result.deliveryAttempts} outcome=${result.outcome} reason="${result.reason}"`);
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: 1, possibleDuplicate: false });
    const refusal = SCRIPTS[`r${code}`](1) as { message: string };
    expect(result.serverResponse).toBe(`${code} ${refusal.message}`);
    expect(result.reason).toContain(`${code} `);
    expect(offers.get(rcpt)).toHaveLength(1);
    expect(copies(result.messageId)).toHaveLength(0);
  });

  it('a connection dropped after the DATA terminator, before the reply: sent again with the same Message-ID, flagged and counted as possible duplicate', async () => {
    const flaggedBefore = await sendsCounted(true);
    const result = await send('email-drop', 'drop@example.org');
    const messageId = deterministicMessageId('email-drop', FROM);
    const got = copies(messageId);
    const flagged = (await sendsCounted(true)) - flaggedBefore;
    console.log(`SMTP drop after DATA: offers=${offers.get('drop@example.org')?.length} copiesAtServer=${got.length} (dropped=${got.filter((m) => m.dropped).length}) ` +
      `attempts=${result.deliveryAttempts} possibleDuplicate=${result.possibleDuplicate} countedPossibleDuplicates=${flagged}`);
    expect(result).toMatchObject({ outcome: 'sent', messageId, deliveryAttempts: 2, possibleDuplicate: true });
    // The server may hold two copies: both carry the one deterministic Message-ID, so the
    // recipient's client (and the operator, by the flag and the metric) can tell.
    expect(got).toHaveLength(2);
    expect(new Set(got.map((m) => m.raw.toString('utf8').match(/^Message-ID: (.*)$/m)?.[1]))).toEqual(new Set([messageId]));
    expect(flagged).toBe(1);
  });

  it('a server that always drops after DATA: failed after the attempts, and still flagged possible duplicate', async () => {
    const result = await send('email-dropalways', 'dropalways@example.org');
    console.log(`SMTP always dropping: offers=${offers.get('dropalways@example.org')?.length} attempts=${result.deliveryAttempts} outcome=${result.outcome} possibleDuplicate=${result.possibleDuplicate} reason="${result.reason}"`);
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: MAX_ATTEMPTS, possibleDuplicate: true });
    expect(result.reason).toMatch(/gave up after 3 attempts/);
    expect(offers.get('dropalways@example.org')).toHaveLength(MAX_ATTEMPTS);
  });
});
