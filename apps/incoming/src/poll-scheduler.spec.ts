import { PollLoopHealth } from './poll-loop.readiness';
import { PollScheduler } from './poll-scheduler.service';
import type { PollTrigger } from './poll-span.repository';
import type { ServedMailbox } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import type { IncomingSettings } from './settings';

/** Lets the scheduler's awaited fakes settle. */
const flush = () => new Promise((r) => setImmediate(r));

/**
 * The scheduler with fakes around it: `ids` mailboxes on one IMAP server that allows
 * `maxConnections`; every poll stays open until the test finishes it.
 */
function scheduler(ids: string[], maxConnections: number, due: string[], pollTickMs = 1000) {
  const applied: (() => void)[] = [];
  const served = new Map(ids.map((id) => [id, {
    mailbox: { id, pollIntervalSeconds: 60 },
    endpoint: { protocol: 'imap', host: 'imap.test', port: 143, maxConnections },
    configVersion: 1,
  } as unknown as ServedMailbox]));
  const started: { id: string; trigger: PollTrigger }[] = [];
  const finish = new Map<string, () => void>();
  const settings = { replicaId: 'r1', pollTickMs, pollLeaseSeconds: 10, pollSpanRetentionMinutes: 60, pollLoopStallMs: 60_000, idle: { enabled: true } } as unknown as IncomingSettings;
  const s = new PollScheduler(
    settings,
    {
      get: (id: string) => served.get(id), ids: () => ids, syncState: async () => undefined, start: async () => undefined,
      onApplied: (l: () => void) => applied.push(l),
    } as never,
    { disabledOf: async () => [], due: async () => due.splice(0), startPoll: async () => ({}), get: async () => undefined } as never,
    { tableName: 'incoming.received_message' } as never,
    { execute: (m: ServedMailbox) => new Promise((done) => finish.set(m.mailbox.id, () => done({ published: 1, settled: 0, more: false }))) } as never,
    { replicaId: 'r1', owns: () => true, ids: () => ids, live: 1, maintain: async () => ({ lost: [], acquired: [], released: [] }), leave: async () => undefined } as never,
    { sync: () => undefined, stopAll: async () => undefined } as never,
    { begin: async (id: string, _replica: string, trigger: PollTrigger) => (started.push({ id, trigger }), id), end: async () => undefined } as never,
    new ServerSlots(),
    new PollLoopHealth(),
  );
  return {
    s,
    started,
    /** A new configuration version applied (what ServedMailboxes does on a publish). */
    publish(newIds: string[]) {
      ids.push(...newIds);
      due.push(...newIds);
      for (const id of newIds) served.set(id, { ...served.get(ids[0])!, mailbox: { id, pollIntervalSeconds: 60 } } as unknown as ServedMailbox);
      for (const l of applied) l();
    },
    async finish(id: string) {
      finish.get(id)?.();
      for (let i = 0; i < 5; i++) await flush();
    },
  };
}

describe('poll scheduler: IDLE wake-ups and connection slots', () => {
  it('gives a freed slot to a mailbox IDLE woke before mailboxes merely due, without waiting for the next tick', async () => {
    // One connection to the server: A polls (due), B and C wait (due), then IDLE wakes D.
    const t = scheduler(['A', 'B', 'C', 'D'], 1, ['A', 'B', 'C']);
    await t.s.tick();
    await flush();
    expect(t.started).toEqual([{ id: 'A', trigger: 'schedule' }]);
    t.s.wake('D');
    await flush();
    expect(t.started.map((p) => p.id)).toEqual(['A']); // no free slot: D waits

    await t.finish('A');
    // New mail is waiting in D; B and C only reached their interval.
    expect(t.started.slice(1)).toEqual([{ id: 'D', trigger: 'idle' }]);
    await t.finish('D');
    await t.finish('B');
    expect(t.started.map((p) => p.id)).toEqual(['A', 'D', 'B', 'C']);
    console.log(`slot order with 1 connection: ${t.started.map((p) => `${p.id}(${p.trigger})`).join(' → ')}`);
  });

  it('polls a mailbox woken during its own poll again as soon as that poll ends', async () => {
    const t = scheduler(['A', 'B'], 1, ['A', 'B']);
    await t.s.tick();
    await flush();
    t.s.wake('A'); // mail came after A's poll had listed the INBOX
    await t.finish('A');
    expect(t.started).toEqual([{ id: 'A', trigger: 'schedule' }, { id: 'A', trigger: 'idle' }]);
    await t.finish('A');
    expect(t.started.map((p) => p.id)).toEqual(['A', 'A', 'B']);
  });

  it('polls the mailboxes of a newly published configuration at once, not at the next tick', async () => {
    const t = scheduler(['A'], 4, ['A'], 3_600_000); // the next tick is an hour away
    await t.s.onApplicationBootstrap();
    try {
      for (let i = 0; i < 5; i++) await flush();
      expect(t.started.map((p) => p.id)).toEqual(['A']);
      t.publish(['B', 'C']);
      for (let i = 0; i < 5; i++) await flush();
      expect(t.started.map((p) => p.id)).toEqual(['A', 'B', 'C']);
    } finally {
      for (const id of ['A', 'B', 'C']) await t.finish(id);
      await t.s.beforeApplicationShutdown();
    }
  });
});
