/**
 * Outlook allows an app at most 4 concurrent requests per mailbox
 * (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits); a fifth is
 * throttled. Every Graph call of this process for a mailbox takes a slot here first, whatever
 * session or sender makes it.
 */
export const GRAPH_MAILBOX_CONCURRENCY = 4;

class Semaphore {
  active = 0;
  readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

const limits = new Map<string, Semaphore>();

/** Runs `work` holding one of the mailbox's slots (`key`: Graph's origin + mailbox). */
export async function withMailboxSlot<T>(key: string, work: () => Promise<T>): Promise<T> {
  let sem = limits.get(key);
  if (!sem) limits.set(key, (sem = new Semaphore(GRAPH_MAILBOX_CONCURRENCY)));
  await sem.acquire();
  try {
    return await work();
  } finally {
    sem.release();
    if (sem.active === 0 && sem.waiting.length === 0) limits.delete(key);
  }
}
