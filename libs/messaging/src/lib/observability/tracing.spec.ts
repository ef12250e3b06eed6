import { headers } from 'nats';
import { MailRouterLogger } from './json-logger';
import { CORRELATION_HEADER, extractContext, inSpan, injectContext, logContext, SpanKind, startTracing } from './tracing';

describe('trace context and correlation id across a NATS hop', () => {
  beforeAll(() => startTracing('test', {})); // no exporter: ids without recording

  it('carries the trace id and the correlation id through the headers to the consumer side', async () => {
    const h = headers();
    const producer = await inSpan('x publish', {}, async () => {
      injectContext(h);
      return logContext();
    }, { kind: SpanKind.PRODUCER, correlationId: 'mbx-1:imap:7:42' });
    expect(producer.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(h.get('traceparent')).toContain(producer.traceId!);
    expect(h.get(CORRELATION_HEADER)).toBe('mbx-1:imap:7:42');

    const { parent, correlationId } = extractContext(h);
    const consumer = await inSpan('x process', {}, async () => logContext(), { kind: SpanKind.CONSUMER, parent, correlationId });
    expect(consumer).toMatchObject({ traceId: producer.traceId, correlationId: 'mbx-1:imap:7:42' });
    expect(consumer.spanId).not.toBe(producer.spanId);
  });

  it('outside any message a log line has no ids; inside one, the JSON line carries them', async () => {
    expect(logContext()).toEqual({});
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => (written.push(String(chunk)), true)) as never);
    try {
      const logger = new MailRouterLogger('crm-sync', 'json', ['log']);
      await inSpan('x process', {}, async () => logger.log('decided', 'ProcessReceivedUseCase'), { correlationId: 'email-9' });
    } finally {
      spy.mockRestore();
    }
    const line = JSON.parse(written.join('').trim());
    expect(line).toMatchObject({ service: 'crm-sync', level: 'log', context: 'ProcessReceivedUseCase', message: 'decided', correlationId: 'email-9' });
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Date(line.time).getTime()).not.toBeNaN();
  });
});
