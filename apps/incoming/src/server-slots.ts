import { Injectable } from '@nestjs/common';

/**
 * At most `limit` concurrent connections per server (serverKey), across all mailboxes of this
 * replica: polls and held IDLE connections both take one.
 */
@Injectable()
export class ServerSlots {
  private readonly inUse = new Map<string, number>();

  tryAcquire(key: string, limit: number): boolean {
    const used = this.inUse.get(key) ?? 0;
    if (used >= limit) return false;
    this.inUse.set(key, used + 1);
    return true;
  }

  release(key: string): void {
    const used = (this.inUse.get(key) ?? 1) - 1;
    if (used <= 0) this.inUse.delete(key);
    else this.inUse.set(key, used);
  }

  used(key: string): number {
    return this.inUse.get(key) ?? 0;
  }
}
