import { GroupedDecisions, GroupRunner } from './grouped-decisions';

/** A runner that records each transaction (its key and the decisions it ran) and can be made to fail. */
function recordingRunner() {
  const transactions: { key: string; ran: string[]; committed: boolean }[] = [];
  const current = new Map<string, { key: string; ran: string[]; committed: boolean }>();
  const busy = new Map<string, number>();
  let maxBusyPerKey = 0;
  const runner: GroupRunner = {
    async transaction<T>(key: string, work: () => Promise<T>): Promise<T> {
      busy.set(key, (busy.get(key) ?? 0) + 1);
      maxBusyPerKey = Math.max(maxBusyPerKey, busy.get(key)!);
      const tx = { key, ran: [] as string[], committed: false };
      transactions.push(tx);
      current.set(key, tx);
      try {
        await new Promise((r) => setTimeout(r, 5)); // the lock and the first statement
        const out = await work();
        tx.committed = true;
        return out;
      } finally {
        busy.set(key, busy.get(key)! - 1);
      }
    },
  };
  return { runner, transactions, ran: (key: string, name: string) => current.get(key)!.ran.push(name), maxBusy: () => maxBusyPerKey };
}

describe('GroupedDecisions', () => {
  it('decides the messages of one key that queue up in one transaction, in arrival order', async () => {
    const r = recordingRunner();
    const groups = new GroupedDecisions(r.runner, 32);
    const results = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((m) => groups.submit('mb|dana@contoso.test', async () => {
      r.ran('mb|dana@contoso.test', m);
      return `verdict ${m}`;
    })));
    expect(results).toEqual(['verdict m1', 'verdict m2', 'verdict m3', 'verdict m4']);
    expect(r.transactions).toEqual([{ key: 'mb|dana@contoso.test', ran: ['m1', 'm2', 'm3', 'm4'], committed: true }]);
    expect(groups.stats).toEqual({ transactions: 1, decisions: 4, fallbacks: 0 });
  });

  it('keeps keys apart and never runs two transactions of one key at once', async () => {
    const r = recordingRunner();
    const groups = new GroupedDecisions(r.runner, 2);
    const keys = ['a', 'b', 'a', 'a', 'b', 'a', 'a'];
    await Promise.all(keys.map((k, i) => groups.submit(k, async () => {
      r.ran(k, `${k}${i}`);
      return i;
    })));
    for (const tx of r.transactions) {
      expect(tx.ran.every((name) => name.startsWith(tx.key))).toBe(true);
      expect(tx.ran.length).toBeLessThanOrEqual(2); // maxGroup
    }
    expect(r.transactions.flatMap((t) => t.ran).sort()).toEqual(['a0', 'a2', 'a3', 'a5', 'a6', 'b1', 'b4']);
    // a and b may overlap, but a's transactions follow each other: 5 decisions of a in ⌈5/2⌉ transactions.
    expect(r.transactions.filter((t) => t.key === 'a').map((t) => t.ran)).toEqual([['a0', 'a2'], ['a3', 'a5'], ['a6']]);
    expect(r.maxBusy()).toBe(1);
  });

  it('when one decision fails, rolls the group back: only that one fails, the others run again as a group without it', async () => {
    const r = recordingRunner();
    const groups = new GroupedDecisions(r.runner, 32);
    const outcomes = await Promise.allSettled(['m1', 'bad', 'm3', 'm4'].map((m) => groups.submit('k', async () => {
      r.ran('k', m);
      if (m === 'bad') throw new Error('unique violation');
      return m;
    })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('unique violation');
    expect(r.transactions.map((t) => [t.ran, t.committed])).toEqual([
      [['m1', 'bad'], false], // the group, rolled back at the failure
      [['m1', 'm3', 'm4'], true], // the others, without the failing one (which is not run again here)
    ]);
    expect(groups.stats.fallbacks).toBe(1);
  });

  it('when the commit fails (rows written at commit, one message\'s bad data), runs each decision again alone: only the bad one fails', async () => {
    const transactions: { ran: string[]; committed: boolean }[] = [];
    const groups = new GroupedDecisions({
      async transaction<T>(_key: string, work: () => Promise<T>): Promise<T> {
        const tx = { ran: [] as string[], committed: false };
        transactions.push(tx);
        const out = await work();
        // The commit writes what the decisions deferred; 'bad' left a row PostgreSQL refuses.
        if (tx.ran.includes('bad')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00 (at COMMIT)');
        tx.committed = true;
        return out;
      },
    }, 32);
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((m) => groups.submit('k', async () => {
      transactions[transactions.length - 1].ran.push(m);
      return m;
    })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(/0x00/);
    expect(transactions.map((t) => [t.ran, t.committed])).toEqual([
      [['a', 'bad', 'c'], false],
      [['a'], true], [['bad'], false], [['c'], true],
    ]);
    expect(groups.stats.fallbacks).toBe(1);
  });

  it('gives a decision that is not groupable (a remote CRM) a transaction of its own, in order', async () => {
    const r = recordingRunner();
    const groups = new GroupedDecisions(r.runner, 32);
    await Promise.all([
      groups.submit('k', async () => r.ran('k', 'remote1'), false),
      groups.submit('k', async () => r.ran('k', 'remote2'), false),
      groups.submit('k', async () => r.ran('k', 'local1')),
      groups.submit('k', async () => r.ran('k', 'local2')),
    ]);
    expect(r.transactions.map((t) => t.ran)).toEqual([['remote1'], ['remote2'], ['local1', 'local2']]);
  });

  it('takes the next group as soon as one commits: arrivals meanwhile wait for it, not for a timer', async () => {
    const r = recordingRunner();
    const groups = new GroupedDecisions(r.runner, 32);
    const first = groups.submit('k', async () => 'first');
    await new Promise((r2) => setTimeout(r2, 2)); // the first transaction is running
    const later = Promise.all([groups.submit('k', async () => 'second'), groups.submit('k', async () => 'third')]);
    expect(await first).toBe('first');
    expect(await later).toEqual(['second', 'third']);
    expect(r.transactions).toHaveLength(2);
  });
});
