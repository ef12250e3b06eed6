/** At most this many messages are remembered per consumer; the oldest are forgotten first. */
export const UNCOUNTED_DELIVERIES_LIMIT = 10_000;

/**
 * JetStream counts every delivery of a message, but a delivery handed back because the
 * database or the broker was away (or because the work waits on another worker) is not an
 * attempt: it must not bring the message closer to quarantine. This remembers, per stream
 * sequence, how many of a message's deliveries this process handed back for such a reason, so
 * that attempts = deliveries − uncounted. In memory: a message redelivered to another replica
 * or after a restart counts those deliveries again — conservative, never the other way round.
 */
export class UncountedDeliveries {
  private readonly counts = new Map<number, number>();

  constructor(private readonly limit = UNCOUNTED_DELIVERIES_LIMIT) {}

  /** The delivery of message `seq` was handed back without being an attempt. */
  add(seq: number): void {
    const n = this.counts.get(seq) ?? 0;
    this.counts.delete(seq); // re-insert: a Map iterates in insertion order, oldest first
    this.counts.set(seq, n + 1);
    if (this.counts.size > this.limit) this.counts.delete(this.counts.keys().next().value as number);
  }

  /** Attempts so far, this delivery included (1 on the first). */
  attempt(seq: number, deliveryCount: number): number {
    return Math.max(1, deliveryCount - (this.counts.get(seq) ?? 0));
  }

  /** The message is settled (acked or terminated). */
  forget(seq: number): void {
    this.counts.delete(seq);
  }

  get size(): number {
    return this.counts.size;
  }
}
