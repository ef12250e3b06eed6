import { UncountedDeliveries } from './uncounted-deliveries';

describe('UncountedDeliveries', () => {
  it('takes the deliveries handed back for an outage or a wait off the attempts', () => {
    const u = new UncountedDeliveries();
    expect(u.attempt(7, 1)).toBe(1);
    u.add(7);
    u.add(7);
    expect(u.attempt(7, 3)).toBe(1);
    expect(u.attempt(7, 4)).toBe(2);
    expect(u.attempt(8, 4)).toBe(4); // another message: nothing known, every delivery counts
    u.forget(7);
    expect(u.attempt(7, 4)).toBe(4);
  });

  it('never reports less than one attempt, and forgets the oldest message beyond its limit', () => {
    const u = new UncountedDeliveries(2);
    u.add(1);
    u.add(1);
    expect(u.attempt(1, 1)).toBe(1);
    u.add(2);
    u.add(3);
    expect(u.size).toBe(2);
    expect(u.attempt(1, 3)).toBe(3);
    expect(u.attempt(3, 2)).toBe(1);
  });
});
