/**
 * Decisions that must be serialised (one mailbox and sender: the loop guard counts the ones
 * before, copies of one message find each other) are taken in groups: while one transaction
 * holds the key's lock, the decisions arriving for the same key queue up, and the next
 * transaction takes them all, in arrival order, under one lock and one commit.
 *
 * Without this each message waited for the previous one's lock hand-over (BEGIN, lock, work,
 * COMMIT, then the next), and a burst from one sender ran one message per transaction
 * (docs/performance.md F10). The outcome of each decision is the same as if it had its own
 * transaction: they run one after the other in the same order, and a group that fails is rolled
 * back as a whole and its decisions are run again one per transaction, so that one message's
 * error costs only its own delivery.
 */
export interface GroupRunner {
  /** Runs `work` inside one transaction that holds the lock of `key` (acquired first). */
  transaction<T>(key: string, work: () => Promise<T>): Promise<T>;
}

interface Pending {
  work: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface GroupStats {
  transactions: number;
  decisions: number;
  /** Groups rolled back and run again one by one. */
  fallbacks: number;
}

export class GroupedDecisions {
  private readonly queues = new Map<string, Pending[]>();
  readonly stats: GroupStats = { transactions: 0, decisions: 0, fallbacks: 0 };

  /** `maxGroup`: at most this many decisions per transaction (bounds the time a lock is held). */
  constructor(private readonly runner: GroupRunner, private readonly maxGroup = 32) {}

  /** Runs `work` in a transaction holding `key`'s lock, possibly together with others of the same key. */
  submit<T>(key: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Pending = { work, resolve: resolve as (v: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(item);
        return;
      }
      const fresh = [item];
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, queue: Pending[]): Promise<void> {
    // A tick's worth of arrivals joins the first group (decisions parsed at the same time).
    await new Promise((r) => setImmediate(r));
    while (queue.length) {
      const group = queue.splice(0, this.maxGroup);
      if (group.length === 1) await this.alone(key, group[0]);
      else await this.together(key, group);
    }
    this.queues.delete(key);
  }

  private async together(key: string, group: Pending[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.runner.transaction(key, async () => {
        const out: unknown[] = [];
        for (const item of group) out.push(await item.work());
        return out;
      });
    } catch {
      // Rolled back as a whole: each again in a transaction of its own, so that only the
      // decision that fails reports the error (and is retried by its delivery).
      this.stats.fallbacks++;
      for (const item of group) await this.alone(key, item);
      return;
    }
    this.stats.transactions++;
    this.stats.decisions += group.length;
    group.forEach((item, i) => item.resolve(results[i]));
  }

  private async alone(key: string, item: Pending): Promise<void> {
    try {
      const result = await this.runner.transaction(key, item.work);
      this.stats.transactions++;
      this.stats.decisions++;
      item.resolve(result);
    } catch (err) {
      item.reject(err);
    }
  }
}
