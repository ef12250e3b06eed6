import { GRAPH_MAILBOX_CONCURRENCY, withMailboxSlot } from './mailbox-limiter';

describe('withMailboxSlot (Outlook: 4 concurrent requests per mailbox)', () => {
  it('never runs more than 4 at once for one mailbox, runs other mailboxes alongside, and finishes every call even when some fail', async () => {
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const task = (key: string, i: number) => withMailboxSlot(key, async () => {
      running.set(key, (running.get(key) ?? 0) + 1);
      peak.set(key, Math.max(peak.get(key) ?? 0, running.get(key)!));
      await new Promise((r) => setTimeout(r, 5));
      running.set(key, running.get(key)! - 1);
      if (i % 5 === 0) throw new Error(`task ${i} failed`);
      return i;
    });
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => task('g|a@x.test', i)),
      ...Array.from({ length: 6 }, (_, i) => task('g|b@x.test', i + 1)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(21);
    expect(peak.get('g|a@x.test')).toBe(GRAPH_MAILBOX_CONCURRENCY);
    expect(peak.get('g|b@x.test')).toBe(4);
    // Slots were given back after the failures: a new call runs at once.
    await expect(withMailboxSlot('g|a@x.test', async () => 'free')).resolves.toBe('free');
  });
});
