import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import { EVENTS, EventName, EventPayload, streamName } from '@mailrouter/contracts';
import { backoffDelay, BackoffPolicy } from '@mailrouter/domain';
import { errorMessage, isInfrastructureError, PermanentError, RetryLaterError, TransientError } from '@mailrouter/platform';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';
import { ensureDurableConsumer } from './topology';
import { ConsumerOutcome, MESSAGING_OBSERVER, MessagingObserver } from './metrics/messaging-observer';
import { UncountedDeliveries } from './uncounted-deliveries';
import { correlationOf } from './event-publisher';
import { extractContext, inSpan, SpanKind } from './observability/tracing';

export const DEFAULT_CONSUMER_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, factor: 2 };
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Short: a dead consumer's messages come back soon; live handlers extend it with working(). */
export const DEFAULT_ACK_WAIT_MS = 15_000;
export const DEFAULT_CONCURRENCY = 4;
/**
 * The database or the broker away: the handler is run again in place (the delivery held with
 * working()) for up to this long before the message is handed back, so that an outage of
 * this length costs no delivery at all. Everything a handler does needs them, so holding the
 * slots meanwhile starves nothing and stops the consumer pulling more.
 */
export const DEFAULT_INFRASTRUCTURE_RETRY_IN_PLACE_MS = 120_000;
/** Waits between in-place runs while the infrastructure is away: short, to resume soon after it is back. */
export const INFRASTRUCTURE_RETRY_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5_000, factor: 2 };
/**
 * How long one pull waits for messages before it is renewed. A message arriving meanwhile is
 * delivered at once; this only bounds how long a pull lost with the connection goes unnoticed.
 */
const FETCH_EXPIRES_MS = 30_000;
/** An in-place retry is logged the first time and then every this many times. */
const INFRASTRUCTURE_LOG_EVERY = 10;

export interface DeliveryContext {
  /**
   * Attempts so far, this one included (1 on the first delivery): JetStream's delivery count
   * less the deliveries this process handed back for an outage or a wait, which are not attempts.
   */
  deliveryCount: number;
  maxAttempts: number;
  msgId?: string;
}

export interface QuarantineRecord {
  event: EventName;
  subject: string;
  msgId?: string;
  payload: unknown;
  reason: string;
  deliveryCount: number;
}

export interface ConsumerOptions<E extends EventName> {
  event: E;
  /** Durable name shared by all replicas of the consuming app, e.g. `crm-sync-received`. */
  durable: string;
  concurrency?: number;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  ackWaitMs?: number;
  /** See DEFAULT_INFRASTRUCTURE_RETRY_IN_PLACE_MS. */
  infrastructureRetryInPlaceMs?: number;
  handle(payload: EventPayload<E>, ctx: DeliveryContext): Promise<void>;
  /** Records a message that can never succeed; the message is terminated only after this commits. */
  quarantine(record: QuarantineRecord): Promise<void>;
}

/**
 * Handler slots: a message is pulled only once a slot is free for it. While others are busy,
 * pulls wait until a few slots are free (`minPull`), so that a busy consumer pulls in batches
 * (each pull is a subscription, a request and an unsubscribe) instead of one pull per finished
 * message; with nothing in flight one free slot is enough, so a lone message is not delayed.
 */
export class Slots {
  private free: number;
  private waiter?: () => void;
  constructor(private readonly size: number, private readonly minPull = 1) {
    this.free = size;
  }
  /** Waits until at least minPull slots are free (or all are), then takes every free slot; returns how many. */
  async takeForPull(): Promise<number> {
    while (!this.ready()) await new Promise<void>((r) => (this.waiter = r));
    const n = this.free;
    this.free = 0;
    return n;
  }
  release(n = 1): void {
    this.free = Math.min(this.size, this.free + n);
    if (this.waiter && this.ready()) {
      const w = this.waiter;
      this.waiter = undefined;
      w();
    }
  }
  private ready(): boolean {
    return this.free > 0 && (this.free >= this.minPull || this.free === this.size);
  }
}

/** Slots free before a busy consumer pulls again: a quarter of its concurrency (at least 1). */
export function minPullOf(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency / 4));
}

/**
 * Ack / nak-with-delay / quarantine-and-terminate, written once. Handlers only say what
 * happened by returning (ack), throwing PermanentError (quarantine), or throwing anything
 * else (retry with backoff, quarantine after maxAttempts; infrastructure outages and
 * RetryLaterError wait without end, so an outage or a wait never quarantines good work).
 */
@Injectable()
export class EventConsumers implements OnApplicationShutdown {
  private readonly log = new Logger(EventConsumers.name);
  private readonly registered = new Set<EventName>();
  private readonly running: { messages?: ConsumerMessages; inFlight: Set<Promise<void>> }[] = [];
  private stopping = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
    @Optional() @Inject(MESSAGING_OBSERVER) private readonly observer?: MessagingObserver,
  ) {}

  /** Starts a consumer. Registering the same event twice in one app fails at boot. */
  async start<E extends EventName>(opts: ConsumerOptions<E>): Promise<void> {
    if (this.registered.has(opts.event)) {
      throw new Error(`Two handlers registered for ${opts.event}: each consumed subject needs exactly one`);
    }
    this.registered.add(opts.event);
    const def = EVENTS[opts.event];
    const ackWaitMs = opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const jsm = await this.nc.jetstreamManager();
    await ensureDurableConsumer(jsm, this.settings.prefix, {
      stream: def.stream, durable: opts.durable, filterSubject: def.subject, ackWaitMs,
    });
    const state = { inFlight: new Set<Promise<void>>() } as { messages?: ConsumerMessages; inFlight: Set<Promise<void>> };
    this.running.push(state);
    this.observer?.consumerStarted(opts.event, streamName(this.settings.prefix, def.stream), opts.durable);
    void this.loop(opts, state, ackWaitMs);
  }

  private async loop<E extends EventName>(
    opts: ConsumerOptions<E>,
    state: { messages?: ConsumerMessages; inFlight: Set<Promise<void>> },
    ackWaitMs: number,
  ): Promise<void> {
    const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    const slots = new Slots(concurrency, minPullOf(concurrency));
    const stream = streamName(this.settings.prefix, EVENTS[opts.event].stream);
    const uncounted = new UncountedDeliveries();
    while (!this.stopping) {
      try {
        const consumer = await this.nc.jetstream().consumers.get(stream, opts.durable);
        while (!this.stopping) {
          // Pull only as many messages as there are free slots, so that every message this
          // process holds is being worked on (and heartbeated): one waiting in a client-side
          // buffer behind long handlers (an outage ridden out in place) would outlive its ack
          // wait and come back as one more attempt.
          const batch = await slots.takeForPull();
          let received = 0;
          try {
            if (this.stopping) break;
            const messages = await consumer.fetch({ max_messages: batch, expires: FETCH_EXPIRES_MS });
            state.messages = messages;
            if (this.stopping) messages.stop();
            for await (const m of messages) {
              // After a reconnect nats.js pulls a whole batch again, so a few more may come than
              // were asked for: they are worked on too (left alone they would cost an attempt),
              // without a slot of their own.
              const owned = received < batch;
              received++;
              const p = this.process(opts, m, ackWaitMs, uncounted).finally(() => {
                if (owned) slots.release();
                state.inFlight.delete(p);
              });
              state.inFlight.add(p);
            }
          } finally {
            slots.release(Math.max(0, batch - received));
          }
        }
      } catch (err) {
        if (this.stopping) break;
        this.log.warn(`consumer ${opts.durable} interrupted: ${errorMessage(err)}; resuming`);
      }
      if (!this.stopping) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async process<E extends EventName>(opts: ConsumerOptions<E>, m: JsMsg, ackWaitMs: number, uncounted: UncountedDeliveries): Promise<void> {
    const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const backoff = opts.backoff ?? DEFAULT_CONSUMER_BACKOFF;
    const deliveryCount = uncounted.attempt(m.seq, m.info.deliveryCount);
    const msgId = m.headers?.get('Nats-Msg-Id') || undefined;
    const observe = this.observer?.handling(opts.event, opts.durable) ?? (() => undefined);
    let raw: unknown;
    let payload: EventPayload<E>;
    try {
      raw = JSON.parse(Buffer.from(m.data).toString('utf8'));
      payload = EVENTS[opts.event].schema.parse(raw) as EventPayload<E>;
    } catch (err) {
      observe(await this.quarantine(opts, m, raw ?? Buffer.from(m.data).toString('utf8'), `invalid ${opts.event} payload: ${errorMessage(err)}`, msgId));
      uncounted.forget(m.seq);
      return;
    }
    const heartbeat = setInterval(() => keepWorking(m), heartbeatMs(ackWaitMs));
    // The consumer span continues the producer's trace; logs written meanwhile carry the correlation id.
    const { parent, correlationId } = extractContext(m.headers);
    try {
      await inSpan(`${EVENTS[opts.event].subject} process`, {
        'messaging.system': 'nats', 'messaging.destination.name': m.subject, 'messaging.consumer.group.name': opts.durable,
        'messaging.message.delivery_count': deliveryCount, ...(msgId ? { 'messaging.message.id': msgId } : {}),
      }, () => this.handleRidingOutages(opts, payload, { deliveryCount, maxAttempts, msgId }),
      { kind: SpanKind.CONSUMER, parent, correlationId: correlationId ?? correlationOf(payload) });
      m.ack();
      uncounted.forget(m.seq);
      observe('ack');
    } catch (err) {
      if (err instanceof PermanentError) {
        observe(await this.quarantine(opts, m, payload, err.message, msgId));
        uncounted.forget(m.seq);
      } else if (err instanceof RetryLaterError) {
        this.log.debug(`${opts.event} ${msgId ?? ''} waits: ${err.message}; again in ${err.retryAfterMs} ms`);
        uncounted.add(m.seq);
        m.nak(err.retryAfterMs);
        observe('wait');
      } else if (isInfrastructureError(err)) {
        // Still away after the in-place retries (or the process is stopping): hand it back, uncounted.
        const delay = backoffDelay(backoff, Math.min(m.info.deliveryCount, 6));
        this.log.warn(`${opts.event} ${msgId ?? ''}: infrastructure unavailable (${errorMessage(err)}); handed back, again in ${delay} ms`);
        uncounted.add(m.seq);
        m.nak(delay);
        observe('retry');
      } else if (deliveryCount >= maxAttempts) {
        observe(await this.quarantine(opts, m, payload, `gave up after ${deliveryCount} attempts: ${errorMessage(err)}`, msgId));
        uncounted.forget(m.seq);
      } else {
        const delay = err instanceof TransientError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoffDelay(backoff, deliveryCount);
        this.log.warn(`${opts.event} ${msgId ?? ''} attempt ${deliveryCount}/${maxAttempts} failed: ${errorMessage(err)}; retry in ${delay} ms`);
        m.nak(delay);
        observe('retry');
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Runs the handler; while it fails because the database or the broker is away, runs it again
   * in place (same delivery) for up to infrastructureRetryInPlaceMs. Handlers are idempotent
   * (a redelivery runs them again anyway), so a second run is safe.
   */
  private async handleRidingOutages<E extends EventName>(opts: ConsumerOptions<E>, payload: EventPayload<E>, ctx: DeliveryContext): Promise<void> {
    const windowMs = opts.infrastructureRetryInPlaceMs ?? DEFAULT_INFRASTRUCTURE_RETRY_IN_PLACE_MS;
    const started = Date.now();
    for (let run = 1; ; run++) {
      try {
        await opts.handle(payload, ctx);
        if (run > 1) this.log.log(`${opts.event} ${ctx.msgId ?? ''} handled after ${run - 1} in-place retr${run > 2 ? 'ies' : 'y'} (infrastructure back)`);
        return;
      } catch (err) {
        if (!isInfrastructureError(err) || this.stopping || Date.now() - started >= windowMs) throw err;
        const delay = backoffDelay(INFRASTRUCTURE_RETRY_BACKOFF, run);
        if (run % INFRASTRUCTURE_LOG_EVERY === 1) {
          this.log.warn(`${opts.event} ${ctx.msgId ?? ''}: infrastructure unavailable (${errorMessage(err)}); retrying in place in ${delay} ms (run ${run})`);
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async quarantine<E extends EventName>(opts: ConsumerOptions<E>, m: JsMsg, payload: unknown, reason: string, msgId?: string): Promise<ConsumerOutcome> {
    try {
      await opts.quarantine({ event: opts.event, subject: m.subject, msgId, payload, reason, deliveryCount: m.info.deliveryCount });
      this.log.error(`${opts.event} ${msgId ?? ''} quarantined: ${reason}`);
      m.term(reason.slice(0, 200));
      return 'quarantine';
    } catch (err) {
      // Could not record it: keep the message, try again later. Never nack-and-drop.
      this.log.error(`could not quarantine ${opts.event} ${msgId ?? ''}: ${errorMessage(err)}; will retry`);
      m.nak(backoffDelay(opts.backoff ?? DEFAULT_CONSUMER_BACKOFF, 3));
      return 'retry';
    }
  }

  /** Stops pulling and waits for in-flight handlers, so replicas hand over cleanly. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const s of this.running) s.messages?.stop();
    // A pull that was already arriving still starts handlers: wait until none is left.
    for (;;) {
      const inFlight = this.running.flatMap((s) => [...s.inFlight]);
      if (inFlight.length === 0) return;
      await Promise.allSettled(inFlight);
    }
  }
}

/** Extends a held delivery's ack wait. On a closing connection it cannot: the delivery then comes back by itself. */
function keepWorking(m: JsMsg): void {
  try {
    m.working();
  } catch {
    // closed or draining: nothing to extend
  }
}

/** How often a held delivery tells JetStream it is still being worked on. */
function heartbeatMs(ackWaitMs: number): number {
  return Math.max(1000, Math.floor(ackWaitMs / 3));
}
