/**
 * Bounds the bytes of the received messages crm-sync holds at once (raw + parse): with
 * RECEIVED_CONCURRENCY 16, sixteen large messages would otherwise be parsed side by side and
 * outgrow the container's memory. A message takes its size from the budget before its raw
 * message is read and gives it back when it is decided; one larger than the whole budget waits
 * until it is alone. Waiters are served in arrival order.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; go: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Waits until `bytes` fit (or nothing else is held), takes them; returns the release function. */
  async take(bytes: number): Promise<() => void> {
    const want = Math.min(Math.max(0, bytes), this.limit);
    if (this.waiting.length === 0 && this.fits(want)) this.used += want;
    else await new Promise<void>((go) => this.waiting.push({ bytes: want, go }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= want;
      this.wake();
    };
  }

  get held(): number {
    return this.used;
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }

  private wake(): void {
    while (this.waiting.length && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.go();
    }
  }
}
