import { Client } from 'pg';
import { AppName, freePort, ServiceProcess } from '@mailrouter/testing';
import { RouterUnderTest } from './router';

/** Extra named replicas of an app, on the router's database and NATS prefix. */
export class Replicas {
  readonly all = new Map<string, ServiceProcess>();

  constructor(private readonly router: RouterUnderTest) {}

  /** Starts `<app>` as replica `name` (its REPLICA_ID), waiting until it is ready. */
  async start(app: AppName, name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const svc = new ServiceProcess(app, { ...this.router.env(), REPLICA_ID: name, ...env }, await freePort(), `${this.router.prefix}-${name}`);
    this.all.set(name, svc);
    await svc.start();
    return svc;
  }

  get(name: string): ServiceProcess {
    const svc = this.all.get(name);
    if (!svc) throw new Error(`replica ${name} not started`);
    return svc;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.all.values()].map((s) => s.stop()));
  }
}

export interface PollSpan {
  mailboxId: string;
  replicaId: string;
  startedAt: number;
  /** null: still running, or its replica died. */
  endedAt: number | null;
}

/** A query on the router's database (the evidence incoming records: poll spans, leases). */
export async function queryRouterDb<T>(router: RouterUnderTest, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: router.db.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function pollSpans(router: RouterUnderTest): Promise<PollSpan[]> {
  const rows = await queryRouterDb<{ mailbox_id: string; replica_id: string; started_at: Date; ended_at: Date | null }>(
    router, 'SELECT mailbox_id, replica_id, started_at, ended_at FROM incoming.poll_span ORDER BY mailbox_id, started_at, id',
  );
  return rows.map((r) => ({
    mailboxId: r.mailbox_id, replicaId: r.replica_id, startedAt: r.started_at.getTime(), endedAt: r.ended_at ? r.ended_at.getTime() : null,
  }));
}

/** The database's clock now (poll spans are on it). */
export async function dbNow(router: RouterUnderTest): Promise<number> {
  const [{ now }] = await queryRouterDb<{ now: Date }>(router, 'SELECT clock_timestamp() AS now');
  return now.getTime();
}

/**
 * Pairs of polls of one mailbox that overlapped in time. An open span ends when its replica
 * died (`diedAt`), else it is still running (ends now).
 */
export function overlappingPolls(spans: PollSpan[], diedAt: Record<string, number>, now: number): [PollSpan, PollSpan][] {
  const end = (s: PollSpan) => s.endedAt ?? diedAt[s.replicaId] ?? now;
  const byMailbox = new Map<string, PollSpan[]>();
  for (const s of spans) byMailbox.set(s.mailboxId, [...(byMailbox.get(s.mailboxId) ?? []), s]);
  const overlaps: [PollSpan, PollSpan][] = [];
  for (const list of byMailbox.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    let latest: PollSpan | undefined;
    for (const s of list) {
      if (latest && end(latest) > s.startedAt) overlaps.push([latest, s]);
      if (!latest || end(s) > end(latest)) latest = s;
    }
  }
  return overlaps;
}
