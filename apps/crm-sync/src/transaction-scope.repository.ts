import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * One database transaction around several repositories' work, without passing a manager
 * through the CRM connector port: repositories take their manager from here, and inside
 * `run` that is the transaction's.
 */
@Injectable()
export class TransactionScope {
  private readonly current = new AsyncLocalStorage<{ em: EntityManager; memo: Map<string, Promise<unknown>> }>();

  constructor(private readonly dataSource: DataSource) {}

  manager(): EntityManager {
    return this.current.getStore()?.em ?? this.dataSource.manager;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return work();
    return this.dataSource.transaction((em) => this.current.run({ em, memo: new Map() }, work));
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
