import { Logger } from '@nestjs/common';
import { MAX_UNRECORDED_OUTCOMES, UnrecordedOutcomes, type UnrecordedOutcome } from './unrecorded-outcomes';

function sent(attempts: number): UnrecordedOutcome {
  return { kind: 'settled', attempts, messageId: `<m${attempts}@x>`, outcome: { state: 'sent', response: '250 ok', reason: null } };
}

describe('UnrecordedOutcomes', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('keeps one outcome per email (the latest attempt) until it is forgotten', () => {
    const kept = new UnrecordedOutcomes();
    kept.remember('e1', sent(1));
    kept.remember('e1', sent(2));
    expect(kept.size).toBe(1);
    expect(kept.get('e1')).toEqual(sent(2));
    kept.forget('e1');
    expect(kept.get('e1')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('is bounded: past the limit the oldest entry is dropped, with a warning naming it', () => {
    const kept = new UnrecordedOutcomes(3);
    for (const id of ['a', 'b', 'c']) kept.remember(id, sent(1));
    kept.remember('a', sent(2)); // refreshed: now the newest
    kept.remember('d', sent(1));
    expect(kept.size).toBe(3);
    expect(kept.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((id) => kept.get(id))).toBe(true);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('email b'));
  });

  it('holds at most MAX_UNRECORDED_OUTCOMES by default', () => {
    const kept = new UnrecordedOutcomes();
    for (let i = 0; i < MAX_UNRECORDED_OUTCOMES + 50; i++) kept.remember(`e${i}`, sent(1));
    expect(kept.size).toBe(MAX_UNRECORDED_OUTCOMES);
    expect(kept.get('e0')).toBeUndefined();
    expect(kept.get(`e${MAX_UNRECORDED_OUTCOMES + 49}`)).toBeDefined();
  });
});
