import { Test } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import { PermanentError, RetryLaterError } from '@mailrouter/platform';
import { deleteNatsPrefix, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { NatsConnection } from 'nats';
import { streamName } from '@mailrouter/contracts';
import type { MailVerdictV1, PublishedConfigV1, SendCommandV1 } from '@mailrouter/contracts';
import { MessagingModule } from './messaging.module';
import { EventPublisher } from './event-publisher';
import { EventConsumers, QuarantineRecord } from './event-consumer';
import { ConfigStore } from './config-store';
import { RawMailStore } from './raw-mail-store';
import { NATS_CONNECTION } from './nats-connection';

function command(emailId: string): SendCommandV1 {
  return {
    emailId, claim: 1, deploymentId: 'd1', mailboxId: 'm1', from: { address: 'q@x.test' }, to: [{ address: 'a@x.test' }],
    cc: [], bcc: [], subject: 'held', references: [],
  };
}

function verdict(receivedId: string): MailVerdictV1 {
  return { receivedId, mailboxId: 'm1', outcome: 'tracked', reason: 'accept-all', reasonText: 'ok', decidedAt: new Date().toISOString() };
}

describe('messaging over a real NATS JetStream', () => {
  const prefix = testNatsPrefix();
  let app: INestApplication;

  beforeAll(async () => {
    const mod = await Test.createTestingModule({
      imports: [MessagingModule.forRoot('test', { url: TEST_NATS_URL, prefix, clientName: 'messaging-spec' })],
    }).compile();
    app = mod.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await deleteNatsPrefix(prefix);
  });

  it('drops a republished message with the same Nats-Msg-Id, retries a failing handler, quarantines a permanent failure', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    const handled: string[] = [];
    const quarantined: QuarantineRecord[] = [];
    let flaky = 0;
    await consumers.start({
      event: 'mailVerdict',
      durable: 'spec-verdicts',
      backoff: { initialMs: 50, maxMs: 100, factor: 1 },
      handle: async (v) => {
        if (v.receivedId === 'flaky' && ++flaky < 3) throw new Error('not yet');
        if (v.receivedId === 'poison') throw new PermanentError('never works');
        handled.push(v.receivedId);
      },
      quarantine: async (r) => {
        quarantined.push(r);
      },
    });
    const first = await publisher.publish('mailVerdict', verdict('a'), 'a');
    const again = await publisher.publish('mailVerdict', verdict('a'), 'a');
    expect(again.duplicate).toBe(true);
    expect(first.duplicate).toBe(false);
    await publisher.publish('mailVerdict', verdict('flaky'), 'flaky');
    await publisher.publish('mailVerdict', verdict('poison'), 'poison');
    await waitFor('handled and quarantined', () => handled.includes('flaky') && quarantined.length === 1);
    expect(handled.filter((h) => h === 'a')).toHaveLength(1);
    expect(flaky).toBe(3);
    expect(quarantined[0]).toMatchObject({ msgId: 'poison', reason: 'never works' });
    await expect(consumers.start({ event: 'mailVerdict', durable: 'x', handle: async () => undefined, quarantine: async () => undefined }))
      .rejects.toThrow(/Two handlers/);
  });

  it('redelivers work that waits (RetryLaterError) without spending its attempts', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    let waits = 0;
    let done = false;
    const quarantined: QuarantineRecord[] = [];
    await consumers.start({
      event: 'sendResult',
      durable: 'spec-results',
      maxAttempts: 2,
      handle: async () => {
        if (++waits <= 4) throw new RetryLaterError('another worker holds it', 20);
        done = true;
      },
      quarantine: async (r) => {
        quarantined.push(r);
      },
    });
    await publisher.publish('sendResult', {
      emailId: 'e1', outcome: 'sent', messageId: '<m@x.test>', deliveryAttempts: 1, possibleDuplicate: false, completedAt: new Date().toISOString(),
    }, 'e1:result');
    await waitFor('handled after waiting', () => done);
    expect(waits).toBe(5);
    expect(quarantined).toHaveLength(0);
  });

  it('rides out an outage (database or broker away) without spending attempts, in place and across deliveries', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    const outage = 8;
    let runs = 0;
    const deliveries: number[] = [];
    let done = false;
    const quarantined: QuarantineRecord[] = [];
    await consumers.start({
      event: 'mailReceived',
      durable: 'spec-outage',
      maxAttempts: 2,
      backoff: { initialMs: 20, maxMs: 50, factor: 1 },
      // Short: most of the outage is handed back to JetStream (redeliveries), not ridden out in place.
      infrastructureRetryInPlaceMs: 300,
      handle: async (_e, ctx) => {
        deliveries.push(ctx.deliveryCount);
        if (++runs <= outage) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        if (runs === outage + 1) throw new Error('a real failure once the database is back');
        done = true;
      },
      quarantine: async (r) => {
        quarantined.push(r);
      },
    });
    await publisher.publish('mailReceived', {
      receivedId: 'r-outage', mailbox: { id: 'm1', kind: 'user', address: 'a@x.test' }, deploymentId: 'd1', configVersion: 1,
      protocol: 'imap', raw: { bucket: 'b', key: 'k', size: 1, sha256: 'a'.repeat(64) }, receivedAt: new Date().toISOString(),
    }, 'r-outage');
    await waitFor('handled after the outage', () => done || quarantined.length > 0, 30_000);
    expect(quarantined).toHaveLength(0);
    expect(done).toBe(true);
    // The outage was seen as the first attempt throughout; the real failure was attempt 1, the success attempt 2.
    expect(deliveries.slice(0, outage + 1).every((d) => d === 1)).toBe(true);
    expect(deliveries[outage + 1]).toBe(2);
    console.log(`outage ridden out: ${runs} handler runs, attempts seen ${deliveries.join(',')}, quarantined ${quarantined.length}`);
  });

  it('holds only the messages it works on: those queued behind long-running handlers are not redelivered', async () => {
    const publisher = app.get(EventPublisher);
    const consumers = app.get(EventConsumers);
    const concurrency = 2;
    const total = 8;
    // Far longer than the ack wait: anything pulled but neither worked on nor heartbeated expires meanwhile.
    const ackWaitMs = 2_000;
    const slowMs = 4 * ackWaitMs;
    const runs = new Map<string, number[]>();
    const quarantined: QuarantineRecord[] = [];
    await consumers.start({
      event: 'sendCommand',
      durable: 'spec-held',
      concurrency,
      ackWaitMs,
      handle: async (e, ctx) => {
        runs.set(e.emailId, [...(runs.get(e.emailId) ?? []), ctx.deliveryCount]);
        if (Number(e.emailId.split('-')[1]) < concurrency) await new Promise((r) => setTimeout(r, slowMs));
      },
      quarantine: async (r) => {
        quarantined.push(r);
      },
    });
    for (let i = 0; i < total; i++) {
      await publisher.publish('sendCommand', command(`held-${i}`), `held-${i}`);
    }
    await waitFor('all handled', () => runs.size === total, 60_000);
    // Redeliveries of the queued ones would come within an ack wait or two.
    await new Promise((r) => setTimeout(r, 2 * ackWaitMs));
    const jsm = await app.get<NatsConnection>(NATS_CONNECTION).jetstreamManager();
    const redelivered = (await jsm.consumers.info(streamName(prefix, 'OUTBOUND'), 'spec-held')).num_redelivered;
    const runCount = [...runs.values()].reduce((n, r) => n + r.length, 0);
    console.log(`held messages: ${total} published, ${concurrency} handlers busy ${slowMs} ms (ack wait ${ackWaitMs} ms), ${runCount} handler runs, JetStream redeliveries ${redelivered}`);
    expect(quarantined).toHaveLength(0);
    expect(runCount).toBe(total);
    expect(redelivered).toBe(0);
    expect([...runs.values()].every((r) => r.length === 1 && r[0] === 1)).toBe(true);
  });

  it('keeps published configuration in the key-value bucket and tells watchers', async () => {
    const store = app.get(ConfigStore);
    const seen: number[] = [];
    const cfg = (version: number): PublishedConfigV1 => ({
      schema: 'mailrouter.config.v1', version, publishedAt: new Date().toISOString(), deployments: [], mailboxes: [],
    });
    await store.write(cfg(1));
    await store.watch((c) => {
      seen.push(c.version);
    });
    await waitFor('version 1', () => seen.includes(1));
    await store.write(cfg(2));
    await waitFor('version 2', () => seen.includes(2));
    expect((await store.read('version.1'))?.version).toBe(1);
    expect(store.current()?.version).toBe(2);
  });

  it('stores raw mail in the object store by key', async () => {
    const raws = app.get(RawMailStore);
    const data = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    const stored = await raws.put('mbx:imap:1:7', data);
    expect(stored.size).toBe(data.length);
    expect(Buffer.from((await raws.get('mbx:imap:1:7'))!).toString()).toBe(data.toString());
  });
});
