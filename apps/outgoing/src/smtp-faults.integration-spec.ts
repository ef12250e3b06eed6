import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, NatsConnection } from 'nats';
import {
  EVENTS, prefixed, PublishedConfigInputV1, SendCommandV1, SendResultV1, streamName,
} from '@mailrouter/contracts';
import { deterministicMessageId } from '@mailrouter/domain';
import {
  ConfigStore, EventPublisher, messagingSettingsFromEnv, natsMicroserviceOptions, RouterMetrics,
} from '@mailrouter/messaging';
import { migrateDatabase } from '@mailrouter/platform';
import {
  createTestDatabase, deleteNatsPrefix, SmtpScriptAction, SmtpSink, SunkMessage, TEST_NATS_URL, TestDatabase, testNatsPrefix, waitFor,
} from '@mailrouter/testing';

/**
 * Issue 6, fault 4: what the SMTP server answers (or fails to answer) decides retry, failure,
 * and whether a second copy may exist. Each test prints one count line.
 * Complements outgoing.integration-spec.ts (451 once, 550, 4xx until give-up, crashed attempt).
 */
const MAILBOX_ID = 'mbx-alice';
const FROM = 'alice@example.com';
const MAX_ATTEMPTS = 3;
const RETRY_INITIAL_MS = 400;

function command(emailId: string, to: string): SendCommandV1 {
  return {
    emailId, claim: 1, deploymentId: 'dep-1', mailboxId: MAILBOX_ID,
    from: { address: FROM, name: 'Alice' }, to: [{ address: to }], cc: [], bcc: [],
    subject: 'Fault', trackingToken: 'CRM:00020001', text: 'Hello', references: [],
  };
}

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
  const prefix = testNatsPrefix();
  const secretKey = randomBytes(32);
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
  let db: TestDatabase;
  let app: INestApplication;
  let nc: NatsConnection;
  const savedEnv = { ...process.env };

  async function resultsInStream(emailId: string): Promise<SendResultV1[]> {
    const jsm = await nc.jetstreamManager();
    const stream = streamName(prefix, EVENTS.sendResult.stream);
    const info = await jsm.streams.info(stream);
    const subject = prefixed(prefix, EVENTS.sendResult.subject);
    const found: SendResultV1[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!m || m.subject !== subject) continue;
      const r = m.json<SendResultV1>();
      if (r.emailId === emailId) found.push(r);
    }
    return found;
  }

  async function send(emailId: string, to: string): Promise<SendResultV1> {
    await app.get(EventPublisher).publish('sendCommand', command(emailId, to), `${emailId}:claim:1`);
    const [r] = await waitFor(`the result of ${emailId}`, async () => {
      const rs = await resultsInStream(emailId);
      return rs.length ? rs : undefined;
    }, 60_000);
    return r;
  }

  function copies(messageId: string): SunkMessage[] {
    return sink.accepted.filter((m) => m.raw.toString('utf8').includes(`Message-ID: ${messageId}`));
  }

  function gapsMs(rcpt: string): number[] {
    const t = offers.get(rcpt) ?? [];
    return t.slice(1).map((x, i) => x - t[i]);
  }

  async function sendsCounted(possibleDuplicate: boolean): Promise<number> {
    const metric = await app.get(RouterMetrics, { strict: false }).sends.get();
    return metric.values
      .filter((v) => v.labels.possible_duplicate === String(possibleDuplicate))
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    await sink.start();
    db = await createTestDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: prefix,
      ROUTER_SECRET_KEY: secretKey.toString('base64'),
      SEND_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SEND_RETRY_INITIAL_MS: String(RETRY_INITIAL_MS),
      SEND_RETRY_MAX_MS: '2000',
      SEND_IN_FLIGHT_RECHECK_MS: '200',
    });
    const { AppModule } = await import('./app.module');
    const { dataSourceOptions } = await import('./data-source');
    await migrateDatabase(dataSourceOptions());
    nc = await connect({ servers: TEST_NATS_URL });
    const mod = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = mod.createNestApplication({ logger: ['error'] });
    app.connectMicroservice(natsMicroserviceOptions('outgoing', messagingSettingsFromEnv('outgoing')));
    await app.startAllMicroservices();
    const config: PublishedConfigInputV1 = {
      schema: 'mailrouter.config.v1',
      version: 1,
      publishedAt: new Date().toISOString(),
      deployments: [{ id: 'dep-1', name: 'Test', crm: { type: 'builtin' } }],
      mailboxes: [{
        id: MAILBOX_ID, deploymentId: 'dep-1', kind: 'user', address: FROM, enabled: true,
        deleteAfterProcessing: false, pollIntervalSeconds: 60,
        outgoing: {
          profileId: 'smtp-profile', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none',
          auth: { type: 'none' }, allowInvalidCertificates: false, maxConnections: 2,
        },
      }],
    };
    await app.get(ConfigStore).write(config);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await sink.stop();
    await db?.drop();
    await deleteNatsPrefix(prefix);
    process.env = savedEnv;
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
