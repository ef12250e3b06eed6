import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase, TestDatabase } from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { PollSpanEntity } from './entities/poll-span.entity';
import { ReplicaEntity } from './entities/replica.entity';
import { MailboxLeaseRepository } from './mailbox-lease.repository';
import { MailboxLeases } from './mailbox-leases.service';
import { MailboxStateRepository } from './mailbox-state.repository';
import { PollSpanRepository } from './poll-span.repository';
import { incomingSettingsFromEnv } from './settings';

const LEASE_SECONDS = 2;

describe('mailbox leases shared by replicas (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const mailboxes = Array.from({ length: 7 }, (_, i) => `mbx-${i}`);

  function replica(name: string): MailboxLeases {
    const settings = incomingSettingsFromEnv({
      ROUTER_SECRET_KEY: randomBytes(32).toString('hex'), REPLICA_ID: name, POLL_LEASE_SECONDS: String(LEASE_SECONDS), REPLICA_TTL_SECONDS: '2',
    });
    const repo = new MailboxLeaseRepository(ds.getRepository(MailboxStateEntity), ds.getRepository(ReplicaEntity));
    return new MailboxLeases(settings, repo, new PollSpanRepository(ds.getRepository(PollSpanEntity)));
  }

  const idle = () => false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function owners(): Promise<Map<string, string | null>> {
    const rows = await ds.getRepository(MailboxStateEntity).find();
    return new Map(rows.map((r) => [r.mailboxId, r.owner]));
  }
  function expectDisjoint(...replicas: MailboxLeases[]): void {
    const all = replicas.flatMap((r) => r.ids());
    expect(new Set(all).size).toBe(all.length);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const options = dataSourceOptions({ ...process.env, DATABASE_URL: db.url });
    await migrateDatabase(options);
    ds = await new DataSource(options).initialize();
    await new MailboxStateRepository(ds.getRepository(MailboxStateEntity)).ensure(mailboxes, []);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('a lone replica serves every mailbox; a second one gets half after the first gives back its surplus', async () => {
    const a = replica('a');
    const b = replica('b');
    await a.maintain(mailboxes, idle);
    expect(a.ids().sort()).toEqual([...mailboxes].sort());

    // b joins: nothing is free yet.
    expect((await b.maintain(mailboxes, idle)).acquired).toEqual([]);
    // a sees two live replicas: keeps ceil(7/2) = 4, never the one it is polling.
    const busy = a.ids()[a.ids().length - 1];
    const round = await a.maintain(mailboxes, (id) => id === busy);
    expect(round.released).toHaveLength(3);
    expect(round.released).not.toContain(busy);
    expect(a.ids()).toHaveLength(4);
    expect(a.ids()).toContain(busy);
    await b.maintain(mailboxes, idle);
    expect(b.ids().sort()).toEqual(round.released.sort());
    expectDisjoint(a, b);
    const o = await owners();
    for (const id of a.ids()) expect(o.get(id)).toBe('a');
    for (const id of b.ids()) expect(o.get(id)).toBe('b');

    // Steady state: further rounds change nothing.
    await a.maintain(mailboxes, idle);
    await b.maintain(mailboxes, idle);
    expect(a.ids()).toHaveLength(4);
    expect(b.ids()).toHaveLength(3);
    await a.leave();
    await b.leave();
  });

  it('a dead replica\'s mailboxes are taken over once its leases run out, and it learns it lost them', async () => {
    const a = replica('a2');
    const b = replica('b2');
    await a.maintain(mailboxes, idle);
    await b.maintain(mailboxes, idle);
    await a.maintain(mailboxes, idle);
    await b.maintain(mailboxes, idle);
    expect(a.ids().length + b.ids().length).toBe(mailboxes.length);
    const aHeld = a.ids();

    // a stops renewing (a crash or a long pause). Before its leases run out, b cannot take them.
    await b.maintain(mailboxes, idle);
    expect(b.ids().some((id) => aHeld.includes(id))).toBe(false);
    await sleep(LEASE_SECONDS * 1000 + 1200);
    // a no longer trusts its leases, even before it hears about it.
    expect(a.ids()).toEqual([]);
    expect(a.owns(aHeld[0])).toBe(false);
    await b.maintain(mailboxes, idle);
    expect(b.ids().sort()).toEqual([...mailboxes].sort());

    // a comes back: what it held is gone, and it gets its share only when b gives it back.
    const back = await a.maintain(mailboxes, idle);
    expect(back.lost.sort()).toEqual(aHeld.sort());
    expect(a.ids()).toEqual([]);
    await b.maintain(mailboxes, idle);
    await a.maintain(mailboxes, idle);
    expect(a.ids()).toHaveLength(3);
    expectDisjoint(a, b);
    await a.leave();
    await b.leave();
  });

  it('leaving gives every mailbox back at once, and mailboxes no longer served are given back', async () => {
    const a = replica('a3');
    const c = replica('c3');
    await a.maintain(mailboxes, idle);
    await a.leave();
    expect([...(await owners()).values()].every((o) => o === null)).toBe(true);
    await c.maintain(mailboxes, idle);
    expect(c.ids()).toHaveLength(mailboxes.length);

    const fewer = mailboxes.slice(0, 3);
    const round = await c.maintain(fewer, idle);
    expect(round.released.sort()).toEqual(mailboxes.slice(3).sort());
    const o = await owners();
    for (const id of mailboxes.slice(3)) expect(o.get(id)).toBeNull();
    await c.leave();
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM incoming.replica');
    expect(n).toBe(0);
  });
});
