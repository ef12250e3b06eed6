import { ByteBudget } from './byte-budget';

const tick = () => new Promise((r) => setImmediate(r));

describe('ByteBudget (received messages held at once)', () => {
  it('lets small messages through side by side and holds back what does not fit, in arrival order', async () => {
    const b = new ByteBudget(100);
    const r1 = await b.take(40);
    const r2 = await b.take(40);
    const order: string[] = [];
    const third = b.take(40).then((r) => (order.push('third'), r));
    const fourth = b.take(10).then((r) => (order.push('fourth'), r)); // would fit, but waits its turn
    await tick();
    expect(order).toEqual([]);
    r1();
    await tick();
    expect(order).toEqual(['third', 'fourth']);
    expect(b.held).toBe(90);
    r2();
    (await third)();
    (await fourth)();
    expect(b.held).toBe(0);
  });

  it('gives a message larger than the whole budget the budget alone', async () => {
    const b = new ByteBudget(100);
    const small = await b.take(10);
    let bigGot = false;
    const big = b.take(5_000).then((r) => ((bigGot = true), r));
    await tick();
    expect(bigGot).toBe(false);
    small();
    const release = await big;
    expect(b.held).toBe(100);
    let next = false;
    void b.take(1).then(() => (next = true));
    await tick();
    expect(next).toBe(false);
    release();
    await tick();
    expect(next).toBe(true);
  });

  it('releases once, however often the release is called', async () => {
    const b = new ByteBudget(100);
    const r = await b.take(60);
    r();
    r();
    expect(b.held).toBe(0);
  });
});
