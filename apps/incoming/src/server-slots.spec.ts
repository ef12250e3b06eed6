import { ServerSlots } from './server-slots';

describe('ServerSlots', () => {
  it('allows at most the limit per server and frees a slot on release', () => {
    const slots = new ServerSlots();
    expect(slots.tryAcquire('imap.example:993', 2)).toBe(true);
    expect(slots.tryAcquire('imap.example:993', 2)).toBe(true);
    expect(slots.tryAcquire('imap.example:993', 2)).toBe(false);
    expect(slots.tryAcquire('other:993', 2)).toBe(true);
    slots.release('imap.example:993');
    expect(slots.used('imap.example:993')).toBe(1);
    expect(slots.tryAcquire('imap.example:993', 2)).toBe(true);
  });
});
