import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

interface TransactionStore {
  em: EntityManager;
  memo: Map<string, Promise<unknown>>;
  deferred: Map<string, { rows: unknown[]; flush: (rows: unknown[]) => Promise<void> }>;
  locals: Map<string, unknown>;
}

/**
 * One database transaction around several repositories' work, without passing a manager
 * through the CRM connector port: repositories take their manager from here, and inside
 * `run` that is the transaction's.
 */
@Injectable()
export class TransactionScope {
  private readonly current = new AsyncLocalStorage<TransactionStore>();

  constructor(private readonly dataSource: DataSource) {}

  manager(): EntityManager {
    return this.current.getStore()?.em ?? this.dataSource.manager;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return work();
    return this.dataSource.transaction((em) => {
      const store: TransactionStore = { em, memo: new Map(), deferred: new Map(), locals: new Map() };
      return this.current.run(store, async () => {
        const out = await work();
        // Rows deferred by the work are written now, in one statement per kind, before COMMIT.
        for (const d of store.deferred.values()) if (d.rows.length) await d.flush(d.rows.splice(0));
        return out;
      });
    });
  }

  /**
   * Inside run(): keeps `row` to be written with the other rows of its kind in one statement
   * just before the transaction commits (`flush`), and returns true; outside a transaction:
   * false (the caller writes it itself). A failing flush rolls the whole transaction back.
   */
  defer<T>(kind: string, row: T, flush: (rows: T[]) => Promise<void>): boolean {
    const store = this.current.getStore();
    if (!store) return false;
    let d = store.deferred.get(kind);
    if (!d) store.deferred.set(kind, (d = { rows: [], flush: flush as (rows: unknown[]) => Promise<void> }));
    d.rows.push(row);
    return true;
  }

  /** The rows of `kind` deferred in this transaction and not yet written (readers count them in). */
  deferred<T>(kind: string): readonly T[] {
    return (this.current.getStore()?.deferred.get(kind)?.rows ?? []) as T[];
  }

  /**
   * Inside run(): this transaction's value for `key` (made by `init` on first use), for what
   * its work learns as it goes (facts read ahead for a group of decisions, the activities it
   * wrote); outside a transaction: undefined.
   */
  local<T>(key: string, init: () => T): T | undefined {
    const locals = this.current.getStore()?.locals;
    if (!locals) return undefined;
    if (!locals.has(key)) locals.set(key, init());
    return locals.get(key) as T;
  }

  /**
   * Inside run(): `load()` once per transaction for `key`, for reads that the transaction's own
   * work does not change (a mailbox's owner, asked again for each message of a group of
   * decisions); outside a transaction: `load()` every time.
   */
  memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    const memo = this.current.getStore()?.memo;
    if (!memo) return load();
    let hit = memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      memo.set(key, hit);
      hit.catch(() => memo.delete(key));
    }
    return hit;
  }
}

/** PostgreSQL unique_violation: a concurrent writer got there first. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
