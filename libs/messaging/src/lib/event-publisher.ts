import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { headers as natsHeaders, JetStreamClient, NatsConnection } from 'nats';
import { EVENTS, EventName, EventPayload, prefixed } from '@mailrouter/contracts';
import { backoffDelay, BackoffPolicy } from '@mailrouter/domain';
import { errorMessage, InfrastructureUnavailableError } from '@mailrouter/platform';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';
import { MESSAGING_OBSERVER, MessagingObserver } from './metrics/messaging-observer';
import { inSpan, injectContext, SpanKind } from './observability/tracing';

/**
 * Publish retries until the server acknowledges, up to this long; then it throws an
 * InfrastructureUnavailableError, which a consumer retries without counting it as an attempt
 * (and the poll loop publishes again at its next poll).
 */
export const PUBLISH_DEADLINE_MS = 120_000;
export const PUBLISH_TIMEOUT_MS = 5_000;
export const PUBLISH_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000, factor: 2 };

export interface PublishResult {
  seq: number;
  /** The server had already stored a message with this Nats-Msg-Id. */
  duplicate: boolean;
}

/**
 * Typed JetStream publish: the payload type follows from the event name, it is validated
 * before it leaves, and it carries a Nats-Msg-Id from its natural key so that a retried
 * publish is dropped by the server.
 */
@Injectable()
export class EventPublisher {
  private readonly log = new Logger(EventPublisher.name);
  private readonly js: JetStreamClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
    @Optional() @Inject(MESSAGING_OBSERVER) private readonly observer?: MessagingObserver,
  ) {
    this.js = nc.jetstream();
  }

  async publish<E extends EventName>(event: E, payload: EventPayload<E>, msgId: string): Promise<PublishResult> {
    const def = EVENTS[event];
    const body = def.schema.parse(payload);
    const data = Buffer.from(JSON.stringify(body));
    const subject = prefixed(this.settings.prefix, def.subject);
    // The producer span's context (and the message's correlation id) travel in the headers.
    return inSpan(`${def.subject} publish`, { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': msgId },
      () => this.publishRetrying(event, body as EventPayload<E>, data, subject, msgId),
      { kind: SpanKind.PRODUCER, correlationId: correlationOf(body) });
  }

  private async publishRetrying<E extends EventName>(event: E, body: EventPayload<E>, data: Buffer, subject: string, msgId: string): Promise<PublishResult> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const h = natsHeaders();
        h.set('Nats-Msg-Id', msgId);
        injectContext(h);
        const ack = await this.js.publish(subject, data, { msgID: msgId, headers: h, timeout: PUBLISH_TIMEOUT_MS });
        this.observer?.published(event, body, ack.duplicate);
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        if (Date.now() - started > PUBLISH_DEADLINE_MS) {
          throw new InfrastructureUnavailableError(`publish ${subject} (${msgId}) not acknowledged within ${PUBLISH_DEADLINE_MS} ms: ${errorMessage(err)}`, { cause: err });
        }
        const delay = backoffDelay(PUBLISH_BACKOFF, attempt);
        this.log.warn(`publish ${subject} (${msgId}) failed (${errorMessage(err)}); retry in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

/** The id an operator knows a message by: a received message's receivedId, a CRM email's emailId. */
export function correlationOf(payload: unknown): string | undefined {
  const p = payload as { receivedId?: unknown; emailId?: unknown } | null;
  const id = p?.receivedId ?? p?.emailId;
  return typeof id === 'string' ? id : undefined;
}
