/**
 * Failures counted per key in a fixed window (in this process's memory: each replica of
 * `config` counts its own, which still bounds guessing to replicas × limit per window).
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly maxFailures: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  blockedFor(key: string): number {
    const e = this.live(key);
    return e && e.count >= this.maxFailures ? Math.max(1, Math.ceil((e.resetAt - this.now()) / 1000)) : 0;
  }

  fail(key: string): void {
    const e = this.live(key);
    if (e) e.count += 1;
    else this.entries.set(key, { count: 1, resetAt: this.now() + this.windowMs });
    if (this.entries.size > 10_000) this.sweep();
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string) {
    const e = this.entries.get(key);
    if (e && e.resetAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.resetAt <= t) this.entries.delete(k);
  }
}
