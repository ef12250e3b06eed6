/**
 * Decisions that must be serialised (one mailbox and sender: the loop guard counts the ones
 * before, copies of one message find each other) are taken in groups: while one transaction
 * holds the key's lock, the decisions arriving for the same key queue up, and the next
 * transaction takes them all, in arrival order, under one lock and one commit.
 *
 * Without this each message waited for the previous one's lock hand-over (BEGIN, lock, work,
 * COMMIT, then the next), and a burst from one sender ran one message per transaction
 * (docs/performance.md F10). The outcome of each decision is the same as if it had its own
 * transaction: they run one after the other in the same order. When one decision of a group
 * fails, the group is rolled back: that decision fails (its delivery is retried as any failed
 * one), and the others run again as a group without it, so one message's error costs only its
 * own delivery. A decision that is not `groupable` (a remote CRM's writes are not rolled back)
 * always has a transaction of its own, in the same order as the others of its key.
 */
export interface GroupRunner {
  /**
   * Runs `work` inside one transaction that holds the lock of `key` (acquired first); `hints`:
   * what the decisions of the transaction were submitted with, in order (to read ahead for them).
   */
  transaction<T>(key: string, work: () => Promise<T>, hints: unknown[]): Promise<T>;
}

interface Pending {
  work: () => Promise<unknown>;
  groupable: boolean;
  hint: unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface GroupStats {
  transactions: number;
  decisions: number;
  /** Groups rolled back (a decision or the commit failed). */
  fallbacks: number;
}

export class GroupedDecisions {
  private readonly queues = new Map<string, Pending[]>();
  readonly stats: GroupStats = { transactions: 0, decisions: 0, fallbacks: 0 };

  /** `maxGroup`: at most this many decisions per transaction (bounds the time a lock is held). */
  constructor(private readonly runner: GroupRunner, private readonly maxGroup = 32) {}

  /**
   * Runs `work` in a transaction holding `key`'s lock, together with others of the same key when
   * `groupable`; `hint` is handed to the runner with the others of the transaction.
   */
  submit<T>(key: string, work: () => Promise<T>, groupable = true, hint?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Pending = { work, groupable, hint, resolve: resolve as (v: unknown) => void, reject };
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
      // The longest run of groupable decisions at the head (or one that is not), in order.
      let n = 0;
      while (n < queue.length && n < this.maxGroup && queue[n].groupable) n++;
      const group = queue.splice(0, Math.max(1, n));
      if (group.length === 1) await this.alone(key, group[0]);
      else await this.together(key, group);
    }
    this.queues.delete(key);
  }

  private async together(key: string, group: Pending[]): Promise<void> {
    let results: unknown[];
    let failedAt = -1;
    try {
      results = await this.runner.transaction(key, async () => {
        const out: unknown[] = [];
        for (const [i, item] of group.entries()) {
          try {
            out.push(await item.work());
          } catch (err) {
            failedAt = i;
            throw err;
          }
        }
        return out;
      }, group.map((item) => item.hint));
    } catch (err) {
      this.stats.fallbacks++;
      if (failedAt < 0) {
        // The lock or the commit failed (with it the rows written at commit, which one message's
        // bad data may fail): nothing was written; each decision runs again in a transaction of
        // its own, so that one message's failure is its own.
        for (const item of group) await this.alone(key, item);
        return;
      }
      // Rolled back: the failing decision fails; the others run again without it.
      group[failedAt].reject(err);
      const rest = group.filter((_, i) => i !== failedAt);
      if (rest.length === 1) await this.alone(key, rest[0]);
      else if (rest.length > 1) await this.together(key, rest);
      return;
    }
    this.stats.transactions++;
    this.stats.decisions += group.length;
    group.forEach((item, i) => item.resolve(results[i]));
  }

  private async alone(key: string, item: Pending): Promise<void> {
    try {
      const result = await this.runner.transaction(key, item.work, [item.hint]);
      this.stats.transactions++;
      this.stats.decisions++;
      item.resolve(result);
    } catch (err) {
      item.reject(err);
    }
  }
}
