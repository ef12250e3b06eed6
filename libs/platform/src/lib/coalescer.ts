/**
 * Group commit for independent items: callers submit one item each and get its own result;
 * items submitted while a flush is running wait and go together in the next one (at most
 * `maxBatch`). One flush runs at a time, so a burst turns into a few statements instead of one
 * round trip per item, and a lone item still goes at once (no timer).
 *
 * `flush` answers each item in order. When it throws, every item of that batch fails with the
 * error (callers retry as they would after a failed statement of their own).
 */
export class Coalescer<T, R> {
  private queue: { item: T; resolve(r: R): void; reject(err: unknown): void }[] = [];
  private running = false;

  constructor(private readonly flush: (items: T[]) => Promise<R[]>, private readonly maxBatch = 256) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((b) => b.item));
          if (results.length !== batch.length) throw new Error(`a flush of ${batch.length} items answered ${results.length}`);
          batch.forEach((b, i) => b.resolve(results[i]));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
