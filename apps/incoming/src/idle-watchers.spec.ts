import type { IdleWatch } from '@mailrouter/mail-adapters';
import { idleBudget, IdleWatchers } from './idle-watchers.service';
import type { MailServerRepository } from './mail-server.repository';
import type { ServedMailbox } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import type { IncomingSettings } from './settings';

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

describe('IDLE goes where mail arrives (IDLE_HANDOVER_SECONDS)', () => {
  const HANDOVER_MS = 60_000;
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  /** IdleWatchers over a fake server: every watch opens at once and closes when stopped. */
  function watchers(handoverMs = HANDOVER_MS) {
    const servers = {
      watch: async (): Promise<IdleWatch> => {
        let close!: (reason: string) => void;
        const ended = new Promise<string>((r) => (close = r));
        return { ended, stop: async () => close('stopped') } as IdleWatch;
      },
    } as unknown as MailServerRepository;
    const settings = { idle: { enabled: true, connectionPercent: 50, restartMs: 300_000, handoverMs, reconnect: { initialMs: 1000, maxMs: 60_000, factor: 2 } } } as IncomingSettings;
    return new IdleWatchers(settings, servers, new ServerSlots());
  }
  // Four mailboxes on one server of maxConnections 4: IDLE may hold two.
  const held = ['a', 'b', 'c', 'd'].map((id) => ({
    mailbox: { id, pollIntervalSeconds: 60 },
    endpoint: { protocol: 'imap', host: 'mail.test', port: 143, maxConnections: 4 },
  })) as unknown as ServedMailbox[];
  const settle = () => new Promise((r) => setImmediate(r));
  async function sync(w: IdleWatchers): Promise<string[]> {
    w.sync(held, () => undefined);
    await settle();
    return w.idling().sort();
  }

  it('hands the watch that saw no mail longest to a polled mailbox that found mail, once it has been quiet IDLE_HANDOVER_SECONDS', async () => {
    const w = watchers();
    expect(await sync(w)).toEqual(['a', 'b']);
    now += 30_000;
    w.noteMail('c'); // a poll of c found mail
    w.noteMail('b'); // and b's IDLE woke a poll that found mail
    expect(await sync(w)).toEqual(['a', 'b']); // a has been quiet only 30 s
    now += 31_000;
    expect(await sync(w)).toEqual(['b']); // a (quiet 61 s) is ended; its connection closes
    expect(await sync(w)).toEqual(['b', 'c']); // and its slot goes to c, not to d (no mail)
    // a, polled again, has no mail: it takes nothing back; d neither.
    now += 120_000;
    expect(await sync(w)).toEqual(['b', 'c']);
    // Mail in d now: the coldest watch (b: last mail 151 s ago; c opened 120 s ago) goes to d.
    w.noteMail('d');
    expect(await sync(w)).toEqual(['c']);
    expect(await sync(w)).toEqual(['c', 'd']);
    await w.stopAll();
  });

  it('never hands over with IDLE_HANDOVER_SECONDS=0', async () => {
    const w = watchers(0);
    expect(await sync(w)).toEqual(['a', 'b']);
    now += 600_000;
    w.noteMail('c');
    expect(await sync(w)).toEqual(['a', 'b']);
    await w.stopAll();
  });
});
