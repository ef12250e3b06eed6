import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('sends a lone item at once and the items that arrive meanwhile together, each answered with its own result', async () => {
    const flushes: number[][] = [];
    const c = new Coalescer<number, string>(async (items) => {
      flushes.push(items);
      await new Promise((r) => setTimeout(r, 10));
      return items.map((i) => `done ${i}`);
    });
    const first = c.submit(1);
    await new Promise((r) => setTimeout(r, 1)); // the first flush is running
    const rest = Promise.all([2, 3, 4].map((i) => c.submit(i)));
    expect(await first).toBe('done 1');
    expect(await rest).toEqual(['done 2', 'done 3', 'done 4']);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
  });

  it('never runs two flushes at once and keeps batches within maxBatch', async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (items) => {
      running++;
      most = Math.max(most, running);
      sizes.push(items.length);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return items.map((i) => i * 2);
    }, 3);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(most).toBe(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('fails every item of a failed flush, and the next batch is tried again', async () => {
    let calls = 0;
    const c = new Coalescer<string, string>(async (items) => {
      calls++;
      await new Promise((r) => setTimeout(r, 2));
      if (calls === 2) throw new Error('database away');
      return items;
    });
    const first = c.submit('a'); // flushed alone
    const outcomes = await Promise.allSettled([first, c.submit('b'), c.submit('c')]); // b and c together: the failing flush
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('database away');
    expect(await c.submit('d')).toBe('d');
  });
});
