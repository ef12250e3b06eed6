import type { EventName } from '@mailrouter/contracts';

/**
 * What the EventPublisher and EventConsumers report as they work, so metrics (or anything
 * else) can count every event generically. Optional: without an observer nothing is counted.
 */
export const MESSAGING_OBSERVER = Symbol('MESSAGING_OBSERVER');

/** What happened to one delivery: acked, nak'ed for a retry, nak'ed to wait (RetryLaterError), quarantined. */
export type ConsumerOutcome = 'ack' | 'retry' | 'wait' | 'quarantine';

export interface MessagingObserver {
  /** A publish the server acknowledged; `duplicate` when it dropped it by its Nats-Msg-Id. */
  published(event: EventName, payload: unknown, duplicate: boolean): void;
  /** A durable consumer of this process started (its lag is sampled from then on). */
  consumerStarted(event: EventName, stream: string, durable: string): void;
  /** A delivery is being handled: call the returned function once with its outcome. */
  handling(event: EventName, durable: string): (outcome: ConsumerOutcome) => void;
}
