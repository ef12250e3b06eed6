/**
 * Logs and traces across the services as processes (issue 7, operations): with LOG_FORMAT=json
 * every log line is a JSON object, and the lines written while a message is handled carry its
 * correlation id (receivedId / emailId) and trace id; with OTEL_EXPORTER_OTLP_ENDPOINT the
 * spans go over OTLP/HTTP to a collector — here a minimal OTLP/JSON receiver of the test's own —
 * and one received message's spans (incoming's poll and publish, crm-sync's decision and
 * verdict, incoming's verdict) share one trace id through the NATS headers; so do a sent email's
 * (crm-sync's claim, outgoing's send, crm-sync's result).
 */
import { createServer, Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { appendToInbox, buildMime, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, World } from './support/demo-world';

interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

interface LogLine {
  time: string;
  level: string;
  service: string;
  context?: string;
  message: string;
  correlationId?: string;
  traceId?: string;
  spanId?: string;
}

/** OTLP span kinds (trace.proto). */
const CONSUMER = 5;
const PRODUCER = 4;

/** A collector's OTLP/HTTP JSON endpoint, keeping every span it is sent. */
function otlpReceiver(spans: CollectedSpan[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
}

describe('observability: JSON logs with a correlation id, one trace per message across the services (OTLP)', () => {
  const spans: CollectedSpan[] = [];
  const collector = otlpReceiver(spans);
  const sink = new SmtpSink();
  let router: RouterUnderTest;
  let world: World;
  let db: Client;

  /** The JSON log lines of one service so far. */
  const logs = (app: 'incoming' | 'crm-sync' | 'outgoing' | 'config'): LogLine[] =>
    readFileSync(router.service(app).logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const port = (collector.address() as AddressInfo).port;
    router = new RouterUnderTest({
      LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '200', CLAIM_INTERVAL_MS: '300',
    });
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, [{ key: 'alice', tracking: 'all' }]);
    db = new Client({ connectionString: router.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await router.stop();
    await sink.stop();
    await new Promise((r) => collector.close(r));
  });

  it('writes every log line as JSON with time, level, service and context', () => {
    for (const app of ['config', 'incoming', 'crm-sync', 'outgoing'] as const) {
      const lines = logs(app);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), service: app, message: expect.anything() });
      }
      expect(lines.some((l) => /listening on .*logs json, traces exported over OTLP/.test(String(l.message)))).toBe(true);
    }
  });

  it('follows a received message from incoming through crm-sync and back by its receivedId and one trace id', async () => {
    const alice = world.users.alice;
    const messageId = `<observe-${Date.now()}@contoso.test>`;
    await appendToInbox(alice.mail, await buildMime({ from: 'dana@contoso.test', to: alice.mail.address, subject: 'Observed', messageId, text: 'x' }));
    const receivedId = await waitFor('the message decided', async () => {
      const r = await db.query(`SELECT received_id FROM crm.received_mail WHERE message_id = $1`, [messageId]);
      return r.rows[0]?.received_id as string | undefined;
    }, 30_000);

    // crm-sync's line about the decision carries the message's correlation id and its trace.
    const decided = await waitFor('crm-sync logged the decision', () => logs('crm-sync').find((l) => l.correlationId === receivedId && /tracked/.test(l.message)), 10_000);
    expect(decided.traceId).toMatch(/^[0-9a-f]{32}$/);
    const traceId = decided.traceId!;

    // The collector has the trace's spans from both services: incoming's poll and publish, crm-sync's
    // consumer (a child of incoming's publish, through the NATS headers), its verdict publish, and
    // incoming's verdict consumer.
    const mine = await waitFor('the trace exported by incoming and crm-sync', () => {
      const t = spans.filter((s) => s.traceId === traceId);
      const incomingConsumed = t.some((s) => s.service === 'mailrouter-incoming' && s.kind === CONSUMER);
      return t.some((s) => s.service === 'mailrouter-crm-sync' && s.kind === CONSUMER) && incomingConsumed ? t : undefined;
    }, 20_000);
    const byId = new Map(mine.map((s) => [s.spanId, s]));
    const decision = mine.find((s) => s.service === 'mailrouter-crm-sync' && s.kind === CONSUMER)!;
    const published = byId.get(decision.parentSpanId!);
    expect(published).toMatchObject({ service: 'mailrouter-incoming', kind: PRODUCER });
    expect(mine.some((s) => s.service === 'mailrouter-incoming' && s.name === 'mailbox poll')).toBe(true);
    const verdictPublish = mine.find((s) => s.service === 'mailrouter-crm-sync' && s.kind === PRODUCER)!;
    expect(verdictPublish.parentSpanId).toBe(decision.spanId);
    const verdictConsumed = mine.find((s) => s.service === 'mailrouter-incoming' && s.kind === CONSUMER)!;
    expect(verdictConsumed.parentSpanId).toBe(verdictPublish.spanId);
    console.log(`received ${receivedId}: trace ${traceId}, ${mine.length} spans: ${mine.map((s) => `${s.service.replace('mailrouter-', '')}/${s.name}`).join(', ')}`);
  });

  it('follows a sent email from crm-sync through outgoing and back by its emailId and one trace id', async () => {
    const alice = world.users.alice;
    const email = await router.call<{ id: string }>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['dana@contoso.test'], subject: 'Observed offer', text: 'x', send: true,
    }, 201);
    const sent = await waitFor('outgoing logged the send', () => logs('outgoing').find((l) => l.correlationId === email.id && /sent after/.test(l.message)), 30_000);
    expect(sent.traceId).toMatch(/^[0-9a-f]{32}$/);
    const mine = await waitFor('the trace exported by crm-sync and outgoing', () => {
      const t = spans.filter((s) => s.traceId === sent.traceId);
      return t.some((s) => s.service === 'mailrouter-crm-sync' && s.kind === CONSUMER) && t.some((s) => s.service === 'mailrouter-outgoing') ? t : undefined;
    }, 20_000);
    const command = mine.find((s) => s.service === 'mailrouter-crm-sync' && s.kind === PRODUCER)!;
    const send = mine.find((s) => s.service === 'mailrouter-outgoing' && s.kind === CONSUMER)!;
    expect(send.parentSpanId).toBe(command.spanId);
    const result = mine.find((s) => s.service === 'mailrouter-outgoing' && s.kind === PRODUCER)!;
    const recorded = mine.find((s) => s.service === 'mailrouter-crm-sync' && s.kind === CONSUMER)!;
    expect(recorded.parentSpanId).toBe(result.spanId);
    console.log(`email ${email.id}: trace ${sent.traceId}, ${mine.length} spans: ${mine.map((s) => `${s.service.replace('mailrouter-', '')}/${s.name}`).join(', ')}`);
  });
});
