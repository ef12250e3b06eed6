import { minPullOf, Slots } from './event-consumer';

const tick = () => new Promise((r) => setImmediate(r));

describe('consumer slots: pull in batches while busy, at once when idle', () => {
  it('takes every slot for the first pull', async () => {
    const s = new Slots(16, minPullOf(16));
    expect(await s.takeForPull()).toBe(16);
  });

  it('while others are busy, waits until a quarter of the slots are free, then takes them all', async () => {
    const s = new Slots(16, minPullOf(16));
    await s.takeForPull(); // 16 in flight
    let got: number | undefined;
    void s.takeForPull().then((n) => (got = n));
    s.release(1);
    s.release(1);
    s.release(1);
    await tick();
    expect(got).toBeUndefined(); // 13 still busy: no pull for 3
    s.release(1);
    await tick();
    expect(got).toBe(4);
  });

  it('with a small concurrency pulls as soon as one slot is free', async () => {
    expect(minPullOf(2)).toBe(1);
    const s = new Slots(2, minPullOf(2));
    expect(await s.takeForPull()).toBe(2);
    let got: number | undefined;
    void s.takeForPull().then((n) => (got = n));
    s.release(1);
    await tick();
    expect(got).toBe(1);
  });
});
