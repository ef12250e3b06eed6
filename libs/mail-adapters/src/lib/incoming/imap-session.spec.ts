import { uidSet } from './imap-session';

describe('uidSet', () => {
  it('writes consecutive UIDs as ranges, sorted and without repeats', () => {
    expect(uidSet([7, 1, 2, 3, 9, 10, 3])).toBe('1:3,7,9:10');
    expect(uidSet([42])).toBe('42');
    expect(uidSet([])).toBe('');
  });
});
