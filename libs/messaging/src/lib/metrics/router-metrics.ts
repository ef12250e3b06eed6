import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventName } from '@mailrouter/contracts';
import type { ConsumerOutcome, MessagingObserver } from './messaging-observer';
import { METRICS_SETTINGS, MetricsSettings } from './metrics.settings';

/** Seconds: from a fast database write to a slow CRM call or SMTP conversation. */
export const HANDLER_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds: one poll of one mailbox (connect, list, fetch, settle, log out). */
export const POLL_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The counts of a pg pool (TypeORM's postgres driver keeps it as `driver.master`). */
export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/**
 * Every metric of one app, in a registry of its own (several apps can live in one test
 * process). Names are documented in docs/deploy.md (section Metrics).
 */
@Injectable()
export class RouterMetrics implements MessagingObserver {
  readonly registry = new Registry();

  readonly eventsPublished: Counter<'event' | 'duplicate'>;
  readonly mailReceived: Counter<'protocol'>;
  readonly mailVerdicts: Counter<'outcome' | 'reason'>;
  readonly sends: Counter<'outcome' | 'possible_duplicate'>;
  readonly consumerMessages: Counter<'event' | 'durable' | 'outcome'>;
  readonly handlerDuration: Histogram<'event' | 'durable' | 'outcome'>;
  readonly consumerPending: Gauge<'stream' | 'durable'>;
  readonly consumerAckPending: Gauge<'stream' | 'durable'>;
  readonly pollDuration: Histogram<'result'>;
  readonly mailboxPollErrors: Counter<'mailbox'>;
  readonly dbPool: Gauge<'state'>;
  /** incoming: mailboxes disabled after repeated failures, of those this replica serves (sum over replicas). */
  readonly mailboxesDisabled: Gauge;
  private disabledSource?: () => Promise<number>;

  private readonly durables = new Map<string, { stream: string; durable: string }>();
  private poolSource: () => PoolCounts | undefined = () => undefined;

  constructor(@Inject(METRICS_SETTINGS) settings: MetricsSettings) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ app: settings.appName });
    collectDefaultMetrics({ register: this.registry });
    this.eventsPublished = new Counter({
      name: 'mailrouter_events_published_total', help: 'JetStream events published and acknowledged, by event; duplicate="true" when the server dropped a repeat by its Nats-Msg-Id',
      labelNames: ['event', 'duplicate'], registers,
    });
    this.mailReceived = new Counter({
      name: 'mailrouter_mail_received_total', help: 'Messages read from mailboxes and published as received (first publish only)',
      labelNames: ['protocol'], registers,
    });
    this.mailVerdicts = new Counter({
      name: 'mailrouter_mail_verdicts_total', help: 'CRM verdicts on received messages: outcome tracked / ignored / quarantined, with the reason code',
      labelNames: ['outcome', 'reason'], registers,
    });
    this.sends = new Counter({
      name: 'mailrouter_sends_total', help: 'Final results of send commands: outcome sent / failed',
      labelNames: ['outcome', 'possible_duplicate'], registers,
    });
    this.consumerMessages = new Counter({
      name: 'mailrouter_consumer_messages_total', help: 'Deliveries handled by a durable consumer, by outcome: ack, retry (nak with backoff), wait (nak, attempts not spent), quarantine',
      labelNames: ['event', 'durable', 'outcome'], registers,
    });
    this.handlerDuration = new Histogram({
      name: 'mailrouter_consumer_handler_duration_seconds', help: 'Time to handle one delivery, by event and outcome',
      labelNames: ['event', 'durable', 'outcome'], buckets: HANDLER_DURATION_BUCKETS, registers,
    });
    this.consumerPending = new Gauge({
      name: 'mailrouter_consumer_pending_messages', help: 'JetStream consumer lag: messages not yet delivered to the durable (num_pending), sampled',
      labelNames: ['stream', 'durable'], registers,
    });
    this.consumerAckPending = new Gauge({
      name: 'mailrouter_consumer_ack_pending_messages', help: 'Messages delivered to the durable and not yet acknowledged (num_ack_pending), sampled',
      labelNames: ['stream', 'durable'], registers,
    });
    this.pollDuration = new Histogram({
      name: 'mailrouter_mailbox_poll_duration_seconds', help: 'Duration of one poll of one mailbox, by result success / failure',
      labelNames: ['result'], buckets: POLL_DURATION_BUCKETS, registers,
    });
    this.mailboxPollErrors = new Counter({
      name: 'mailrouter_mailbox_poll_errors_total', help: 'Failed polls per mailbox (id); the last error is in GET /api/v1/mailboxes/{id}/status',
      labelNames: ['mailbox'], registers,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.dbPool = new Gauge({
      name: 'mailrouter_db_pool_connections', help: 'PostgreSQL pool of this process: total, idle, waiting (clients queued for a connection), max',
      labelNames: ['state'], registers,
      collect() {
        const counts = self.poolSource();
        if (!counts) return;
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, counts[state]);
      },
    });
    this.mailboxesDisabled = new Gauge({
      name: 'mailrouter_mailboxes_disabled',
      help: 'Mailboxes disabled after MAILBOX_DISABLE_AFTER_FAILURES failed polls in a row, of those this replica serves (sum over replicas)',
      registers,
      async collect() {
        this.set(self.disabledSource ? await self.disabledSource() : 0);
      },
    });
  }

  /** Where the disabled-mailbox count comes from (incoming sets it; other apps export 0). */
  watchDisabledMailboxes(source: () => Promise<number>): void {
    this.disabledSource = source;
  }

  /** Where the DB pool counts come from (set by the metrics module when the app has a database). */
  watchPool(source: () => PoolCounts | undefined): void {
    this.poolSource = source;
  }

  published(event: EventName, payload: unknown, duplicate: boolean): void {
    this.eventsPublished.inc({ event, duplicate: String(duplicate) });
    if (duplicate) return;
    if (event === 'mailReceived') {
      this.mailReceived.inc({ protocol: (payload as { protocol: string }).protocol });
    } else if (event === 'mailVerdict') {
      const v = payload as { outcome: string; reason: string };
      this.mailVerdicts.inc({ outcome: v.outcome, reason: v.reason });
    } else if (event === 'sendResult') {
      const r = payload as { outcome: string; possibleDuplicate?: boolean };
      this.sends.inc({ outcome: r.outcome, possible_duplicate: String(!!r.possibleDuplicate) });
    }
  }

  consumerStarted(event: EventName, stream: string, durable: string): void {
    this.durables.set(`${stream}/${durable}`, { stream, durable });
    // Present from the start, so `rate()` and alerts see the series before the first message.
    for (const outcome of ['ack', 'retry', 'wait', 'quarantine'] as const) this.consumerMessages.inc({ event, durable, outcome }, 0);
  }

  handling(event: EventName, durable: string): (outcome: ConsumerOutcome) => void {
    const started = process.hrtime.bigint();
    let done = false;
    return (outcome) => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.consumerMessages.inc({ event, durable, outcome });
      this.handlerDuration.observe({ event, durable, outcome }, seconds);
    };
  }

  /** The durables this process consumes, for the lag sampler. */
  consumers(): { stream: string; durable: string }[] {
    return [...this.durables.values()];
  }

  setLag(stream: string, durable: string, pending: number, ackPending: number): void {
    this.consumerPending.set({ stream, durable }, pending);
    this.consumerAckPending.set({ stream, durable }, ackPending);
  }

  /**
   * One poll of one mailbox ended (incoming). `startedAtMs` is Date.now() at its start;
   * `error` is set when it failed.
   */
  observePoll(mailboxId: string, startedAtMs: number, error?: string): void {
    const seconds = Math.max(0, Date.now() - startedAtMs) / 1000;
    this.pollDuration.observe({ result: error === undefined ? 'success' : 'failure' }, seconds);
    if (error !== undefined) this.mailboxPollErrors.inc({ mailbox: mailboxId });
  }

  /** The text exposition of every metric (what GET /metrics answers). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}

