import { Test } from '@nestjs/testing';
import { CanActivate, INestApplication, Injectable, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PermanentError, RetryLaterError } from '@mailrouter/platform';
import { deleteNatsPrefix, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import type { MailVerdictV1, SendResultV1 } from '@mailrouter/contracts';
import { MessagingModule } from '../messaging.module';
import { EventPublisher } from '../event-publisher';
import { EventConsumers } from '../event-consumer';
import { HealthModule } from '../health';
import { MetricsModule } from './metrics.module';
import { RouterMetrics } from './router-metrics';
import type { MetricsSettings } from './metrics.settings';

/** Like the apps' BearerTokenGuard with a token nobody sends: every controller route is refused. */
@Injectable()
class RefuseEverything implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException();
  }
}

function verdict(receivedId: string, outcome: MailVerdictV1['outcome'], reason: MailVerdictV1['reason']): MailVerdictV1 {
  return { receivedId, mailboxId: 'm1', outcome, reason, reasonText: reason, decidedAt: new Date().toISOString() };
}

function result(emailId: string, outcome: SendResultV1['outcome']): SendResultV1 {
  return { emailId, outcome, messageId: `<${emailId}@x>`, deliveryAttempts: 1, possibleDuplicate: false, completedAt: new Date().toISOString() };
}

/** The value of one sample line `name{labels} value` in the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** A Nest app with messaging, metrics (these settings) and health behind a guard that refuses everything. */
async function startApp(prefix: string, metrics: MetricsSettings): Promise<{ app: INestApplication; url: string }> {
  const mod = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot('spec', { url: TEST_NATS_URL, prefix, clientName: 'metrics-spec' }),
      MetricsModule.forRoot('spec', metrics),
      HealthModule,
    ],
    providers: [{ provide: APP_GUARD, useClass: RefuseEverything }],
  }).compile();
  const app = mod.createNestApplication();
  await app.listen(0, '127.0.0.1');
  return { app, url: `${await app.getUrl()}`.replace('[::1]', '127.0.0.1') };
}

describe('GET /metrics of an app on a real NATS JetStream', () => {
  const prefix = testNatsPrefix();
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(prefix, { appName: 'spec', lagIntervalMs: 100 }));
  });

  afterAll(async () => {
    await app.close();
    await deleteNatsPrefix(prefix);
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  it('answers without a token, with the process metrics labelled by app', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total', { app: 'spec' })).toBeGreaterThanOrEqual(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // The app's controllers stay behind its guard.
    expect((await fetch(`${url}/health/live`)).status).toBe(401);
  });

  it('counts verdicts by outcome and reason, sends by result, and consumer outcomes by event', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    let waits = 0;
    let quarantined = 0;
    await consumers.start({
      event: 'mailVerdict',
      durable: 'spec-verdicts',
      backoff: { initialMs: 20, maxMs: 50, factor: 1 },
      handle: async (v) => {
        if (v.receivedId === 'poison') throw new PermanentError('never works');
        if (v.receivedId === 'waits' && ++waits <= 2) throw new RetryLaterError('later', 20);
      },
      quarantine: async () => {
        quarantined++;
      },
    });
    const before = await scrape();
    expect(sample(before, 'mailrouter_consumer_messages_total', { durable: 'spec-verdicts', outcome: 'ack' })).toBe(0);

    await publisher.publish('mailVerdict', verdict('a', 'tracked', 'accept-all'), 'a');
    await publisher.publish('mailVerdict', verdict('a', 'tracked', 'accept-all'), 'a'); // dropped by Nats-Msg-Id
    await publisher.publish('mailVerdict', verdict('b', 'ignored', 'no-correlation-match'), 'b');
    await publisher.publish('mailVerdict', verdict('poison', 'quarantined', 'unparseable'), 'poison');
    await publisher.publish('mailVerdict', verdict('waits', 'tracked', 'correlation-match'), 'waits');
    await publisher.publish('sendResult', result('e1', 'sent'), 'e1');
    await publisher.publish('sendResult', result('e2', 'failed'), 'e2');
    await waitFor('all verdicts handled', () => waits > 2 && quarantined === 1);

    const text = await waitFor('the acks counted', async () => {
      const t = await scrape();
      return sample(t, 'mailrouter_consumer_messages_total', { durable: 'spec-verdicts', outcome: 'ack' }) === 3 ? t : undefined;
    });
    expect(sample(text, 'mailrouter_mail_verdicts_total', { outcome: 'tracked', reason: 'accept-all' })).toBe(1);
    expect(sample(text, 'mailrouter_mail_verdicts_total', { outcome: 'ignored', reason: 'no-correlation-match' })).toBe(1);
    expect(sample(text, 'mailrouter_mail_verdicts_total', { outcome: 'quarantined', reason: 'unparseable' })).toBe(1);
    expect(sample(text, 'mailrouter_events_published_total', { event: 'mailVerdict', duplicate: 'true' })).toBe(1);
    expect(sample(text, 'mailrouter_events_published_total', { event: 'mailVerdict', duplicate: 'false' })).toBe(4);
    expect(sample(text, 'mailrouter_sends_total', { outcome: 'sent' })).toBe(1);
    expect(sample(text, 'mailrouter_sends_total', { outcome: 'failed' })).toBe(1);
    expect(sample(text, 'mailrouter_consumer_messages_total', { event: 'mailVerdict', outcome: 'quarantine' })).toBe(1);
    expect(sample(text, 'mailrouter_consumer_messages_total', { event: 'mailVerdict', outcome: 'wait' })).toBe(2);
    expect(sample(text, 'mailrouter_consumer_handler_duration_seconds_count', { event: 'mailVerdict', outcome: 'ack' })).toBe(3);
  });

  it('reports the consumer lag of its durables while work waits, and zero once it is done', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    await consumers.start({
      event: 'sendCommand',
      durable: 'spec-commands',
      concurrency: 1,
      handle: async () => {
        await gate;
        handled++;
      },
      quarantine: async () => undefined,
    });
    const command = (id: string) => ({ emailId: id, claim: 1, deploymentId: 'd', mailboxId: 'm', from: { address: 'a@x' }, to: [{ address: 'b@x' }], cc: [], bcc: [], subject: 's', references: [] });
    for (let i = 0; i < 6; i++) await publisher.publish('sendCommand', command(`c${i}`), `c${i}`);
    const lag = await waitFor('lag sampled', async () => {
      const v = sample(await scrape(), 'mailrouter_consumer_pending_messages', { durable: 'spec-commands' });
      return v !== undefined && v >= 3 ? v : undefined;
    });
    expect(lag).toBeLessThanOrEqual(6);
    release();
    await waitFor('all handled', () => handled === 6);
    await waitFor('lag back to zero', async () => sample(await scrape(), 'mailrouter_consumer_pending_messages', { durable: 'spec-commands' }) === 0);
  });

  it('times polls and counts failed polls per mailbox', async () => {
    const metrics = app.get(RouterMetrics);
    metrics.observePoll('mb-1', Date.now() - 1500);
    metrics.observePoll('mb-2', Date.now() - 200, 'Authentication failed.');
    metrics.observePoll('mb-2', Date.now() - 200, 'Authentication failed.');
    const text = await scrape();
    expect(sample(text, 'mailrouter_mailbox_poll_duration_seconds_count', { result: 'success' })).toBe(1);
    expect(sample(text, 'mailrouter_mailbox_poll_duration_seconds_bucket', { result: 'success', le: '1' })).toBe(0);
    expect(sample(text, 'mailrouter_mailbox_poll_errors_total', { mailbox: 'mb-2' })).toBe(2);
    expect(sample(text, 'mailrouter_mailbox_poll_errors_total', { mailbox: 'mb-1' })).toBeUndefined();
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const prefix = testNatsPrefix();
  const token = 'scrape-only-token-0123456789';
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(prefix, { appName: 'spec', lagIntervalMs: 100, token }));
  });

  afterAll(async () => {
    await app.close();
    await deleteNatsPrefix(prefix);
  });

  it('refuses a scrape without the token or with another, and answers the one that sends it', async () => {
    const none = await fetch(`${url}/metrics`);
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    const right = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    console.log(`metrics with a token: none → ${none.status}, wrong → ${wrong.status}, right → ${right.status}`);
    expect([none.status, wrong.status]).toEqual([401, 401]);
    expect(await none.text()).toContain('METRICS_TOKEN');
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('nodejs_eventloop_lag_seconds');
  });
});
