import { idleBudget } from './idle-watchers.service';

describe('IDLE connection budget', () => {
  it('takes the configured share of a server\'s connections and always leaves one for polls', () => {
    expect(idleBudget(4, 50)).toBe(2);
    expect(idleBudget(10, 50)).toBe(5);
    expect(idleBudget(2, 50)).toBe(1);
    expect(idleBudget(1, 50)).toBe(0);
    expect(idleBudget(4, 100)).toBe(3);
    expect(idleBudget(20, 0)).toBe(0);
  });
});
