import { context, createContextKey, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, ParentBasedSampler, AlwaysOnSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { MsgHdrs } from 'nats';

/**
 * Tracing (OpenTelemetry) and the correlation id.
 *
 * Every service registers a tracer provider at start: W3C trace context (`traceparent`,
 * `tracestate`) travels in the NATS headers of every event, so a received message's trace runs
 * from incoming's poll through crm-sync's decision to incoming's verdict, and a sent email's from
 * crm-sync's claim through outgoing's SMTP send to crm-sync's result. Spans are exported over
 * OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set,
 * e.g. to an OpenTelemetry Collector; without it trace ids still exist (they are in the logs) and
 * nothing is sent anywhere.
 *
 * The correlation id is the id an operator already has: the receivedId of a received message,
 * the emailId of a CRM email. It travels in the `MailRouter-Correlation-Id` header and is on
 * every log line written while the message is handled (json-logger.ts).
 */
export const CORRELATION_HEADER = 'MailRouter-Correlation-Id';
const CORRELATION = createContextKey('mailrouter.correlation-id');

let provider: NodeTracerProvider | undefined;

/** Registers the tracer provider, context manager and propagators (once per process). */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): { exporting: boolean } {
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (provider) return { exporting };
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || `mailrouter-${service}`, 'service.namespace': 'mailrouter' }),
    // The exporter reads the standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout).
    spanProcessors: exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [],
    // Not exporting: spans are not recorded (no attributes kept), but they still get ids, which
    // the logs show and the NATS headers carry.
    sampler: exporting ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
  });
  provider.register();
  return { exporting };
}

/** Sends the spans not yet exported (at shutdown), waiting at most `waitMs`: a collector that is away does not hold up the shutdown. */
export async function stopTracing(waitMs = 3_000): Promise<void> {
  if (!provider) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    provider.shutdown().catch(() => undefined),
    new Promise<void>((r) => (timer = setTimeout(r, waitMs))),
  ]);
  clearTimeout(timer);
}

export function tracer() {
  return trace.getTracer('mailrouter');
}

/** The correlation id of the work in progress (undefined outside a message's handling). */
export function currentCorrelationId(ctx: Context = context.active()): string | undefined {
  return ctx.getValue(CORRELATION) as string | undefined;
}

/** What a log line says about the work in progress. */
export function logContext(): { correlationId?: string; traceId?: string; spanId?: string } {
  const ctx = context.active();
  const span = trace.getSpanContext(ctx);
  const correlationId = currentCorrelationId(ctx);
  return {
    ...(correlationId ? { correlationId } : {}),
    ...(span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {}),
  };
}

/** Runs `work` in a span (a child of the active one); the span records a thrown error and ends with `work`. */
export async function inSpan<T>(
  name: string, attributes: Record<string, string | number | boolean>, work: (span: Span) => Promise<T>,
  opts: { kind?: SpanKind; parent?: Context; correlationId?: string } = {},
): Promise<T> {
  let ctx = opts.parent ?? context.active();
  if (opts.correlationId) ctx = ctx.setValue(CORRELATION, opts.correlationId);
  const span = tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, ctx);
  try {
    return await context.with(trace.setSpan(ctx, span), () => work(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * `fn` bound to the trace context and correlation id active now: for work queued here and run
 * later from another message's async context (a group of decisions), so that its logs and
 * spans stay its own message's. Touches no other AsyncLocalStorage (transactions keep theirs).
 */
export function bindContext<F extends (...args: never[]) => unknown>(fn: F): F {
  return context.bind(context.active(), fn);
}

/** Writes the active trace context and the correlation id into outgoing NATS headers. */
export function injectContext(h: MsgHdrs, correlationId?: string): void {
  propagation.inject(context.active(), h, { set: (carrier, key, value) => carrier.set(key, value) });
  const id = correlationId ?? currentCorrelationId();
  if (id) h.set(CORRELATION_HEADER, id);
}

/** The trace context and correlation id a received NATS message carries. */
export function extractContext(h: MsgHdrs | undefined): { parent: Context; correlationId?: string } {
  if (!h) return { parent: context.active() };
  const parent = propagation.extract(context.active(), h, {
    get: (carrier, key) => (carrier.has(key) ? carrier.get(key) : undefined),
    keys: (carrier) => carrier.keys(),
  });
  return { parent, correlationId: h.get(CORRELATION_HEADER) || undefined };
}

export { SpanKind };
