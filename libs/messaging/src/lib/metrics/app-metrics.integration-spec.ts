/**
 * A real service (crm-sync, started as a process as in production) answers GET /metrics
 * without a token, and its counters move when it handles work.
 */
import { randomBytes } from 'node:crypto';
import { connect, headers, NatsConnection } from 'nats';
import { bucketName, EVENTS, MailReceivedV1, prefixed } from '@mailrouter/contracts';
import {
  createTestDatabase, deleteNatsPrefix, freePort, ServiceProcess, TestDatabase, testNatsPrefix, TEST_NATS_URL, waitFor,
} from '@mailrouter/testing';

function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics of a running service', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let crm: ServiceProcess;
  let nc: NatsConnection;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('mr_metrics_');
    const port = await freePort();
    crm = new ServiceProcess('crm-sync', {
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix,
      ROUTER_API_TOKEN: randomBytes(24).toString('hex'), ROUTER_SECRET_KEY: randomBytes(32).toString('base64'),
      METRICS_LAG_INTERVAL_MS: '200',
    }, port, prefix);
    await crm.start();
    url = `http://127.0.0.1:${port}`;
    nc = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await crm?.stop();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${url}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics → ${res.status}`);
    return res.text();
  };

  it('answers /metrics without a token while the API still wants one', async () => {
    const text = await scrape();
    expect(value(text, 'process_resident_memory_bytes', { app: 'crm-sync' })).toBeGreaterThan(0);
    expect(value(text, 'mailrouter_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
    expect(value(text, 'mailrouter_consumer_messages_total', { event: 'mailReceived', outcome: 'ack' })).toBe(0);
    expect((await fetch(`${url}/crm/v1/quarantine`)).status).toBe(401);
  });

  it('counts a received message, its verdict by outcome and reason, and the consumer ack', async () => {
    const receivedId = `mb-1:imap:1:${Date.now()}`;
    const event: MailReceivedV1 = {
      receivedId, mailbox: { id: 'mb-1', kind: 'user', address: 'nobody@example.test' },
      deploymentId: 'd1', configVersion: 1, protocol: 'imap',
      // The raw message was never stored: crm-sync quarantines it as unparseable and says so in its verdict.
      raw: { bucket: bucketName(prefix, 'rawMail'), key: 'missing', size: 10, sha256: '' },
      receivedAt: new Date().toISOString(),
    };
    const h = headers();
    h.set('Nats-Msg-Id', receivedId);
    await nc.jetstream().publish(prefixed(prefix, EVENTS.mailReceived.subject), Buffer.from(JSON.stringify(event)), { msgID: receivedId, headers: h });

    const text = await waitFor('crm-sync to count the verdict', async () => {
      const t = await scrape();
      return value(t, 'mailrouter_mail_verdicts_total', { outcome: 'quarantined', reason: 'unparseable' }) === 1 ? t : undefined;
    });
    expect(value(text, 'mailrouter_consumer_messages_total', { event: 'mailReceived', durable: 'crm-sync-received', outcome: 'ack' })).toBe(1);
    expect(value(text, 'mailrouter_consumer_handler_duration_seconds_count', { event: 'mailReceived', outcome: 'ack' })).toBe(1);
    expect(value(text, 'mailrouter_events_published_total', { event: 'mailVerdict', duplicate: 'false' })).toBe(1);
    await waitFor('the lag of crm-sync-received sampled at zero', async () =>
      value(await scrape(), 'mailrouter_consumer_pending_messages', { durable: 'crm-sync-received' }) === 0);
  });
});
