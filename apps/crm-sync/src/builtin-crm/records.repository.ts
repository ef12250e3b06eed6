import { Injectable } from '@nestjs/common';
import type { RecordRef, RecordType } from '@mailrouter/domain';
import { TransactionScope, isUuid } from '../transaction-scope.repository';
import {
  AccountEntity, ContactEntity, CrmQueueEntity, CrmUserEntity, LeadEntity,
} from './entities/crm-records.entity';

export type RecordEntity = CrmUserEntity | CrmQueueEntity | ContactEntity | AccountEntity | LeadEntity;

const ENTITY = {
  user: CrmUserEntity,
  queue: CrmQueueEntity,
  contact: ContactEntity,
  account: AccountEntity,
  lead: LeadEntity,
} as const;

/**
 * The order in which an address is resolved to a record, as the original CRM did: user,
 * contact, account, lead, then the other email-enabled records (queues).
 */
export const RESOLUTION_ORDER: RecordType[] = ['user', 'contact', 'account', 'lead', 'queue'];

/** Users, queues, contacts, accounts and leads of the built-in CRM. */
@Injectable()
export class RecordsRepository {
  private matchQuery?: string;
  private readonly ownerQueries = new Map<string, string>();

  constructor(private readonly scope: TransactionScope) {}

  private repo<T extends RecordType>(type: T) {
    return this.scope.manager().getRepository<RecordEntity>(ENTITY[type]);
  }

  async create(type: RecordType, values: Partial<RecordEntity>): Promise<RecordEntity> {
    const repo = this.repo(type);
    return repo.save(repo.create(values));
  }

  /** Changes some columns of a record; the record after the change, or null when there is none. */
  async update(type: RecordType, id: string, values: Partial<RecordEntity>): Promise<RecordEntity | null> {
    if (!isUuid(id)) return null;
    if (Object.keys(values).length) await this.repo(type).update({ id }, values as never);
    return this.find(type, id);
  }

  list(type: RecordType): Promise<RecordEntity[]> {
    return this.repo(type).find({ order: { createdAt: 'DESC' } as never, take: 1000 });
  }

  async find(type: RecordType, id: string): Promise<RecordEntity | null> {
    if (!isUuid(id)) return null;
    return this.repo(type).findOne({ where: { id } });
  }

  findUser(id: string): Promise<CrmUserEntity | null> {
    return this.find('user', id) as Promise<CrmUserEntity | null>;
  }

  findQueue(id: string): Promise<CrmQueueEntity | null> {
    return this.find('queue', id) as Promise<CrmQueueEntity | null>;
  }

  async findOwnerByAddress(kind: 'user' | 'queue', address: string): Promise<CrmUserEntity | CrmQueueEntity | null> {
    return this.ownerWhere(kind, 'email', address);
  }

  /** A user or queue by id, as find() (asked for every received message: see ownerWhere). */
  async findOwner(kind: 'user' | 'queue', id: string): Promise<CrmUserEntity | CrmQueueEntity | null> {
    if (!isUuid(id)) return null;
    return this.ownerWhere(kind, 'id', id);
  }

  /**
   * The first user or queue whose `column` is `value`, every column read, in plain SQL: a
   * received message's owner is looked up each time, and typeorm's findOne spent more CPU
   * building the query than PostgreSQL answering it (crm-sync profile, docs/performance.md F9).
   */
  private ownerWhere(kind: 'user' | 'queue', column: 'id' | 'email', value: string): Promise<CrmUserEntity | CrmQueueEntity | null> {
    // Once per transaction: a group of decisions for one mailbox asks for the same owner each time.
    return this.scope.memo(`owner ${kind} ${column} ${value}`, () => this.loadOwnerWhere(kind, column, value));
  }

  private async loadOwnerWhere(kind: 'user' | 'queue', column: 'id' | 'email', value: string): Promise<CrmUserEntity | CrmQueueEntity | null> {
    const key = `${kind}.${column}`;
    let sql = this.ownerQueries.get(key);
    if (!sql) {
      const meta = this.repo(kind).metadata;
      const list = meta.columns.map((c) => `"${c.databaseName}" AS "${c.propertyName}"`).join(', ');
      sql = `SELECT ${list} FROM ${quotedTable(meta.tablePath)} WHERE "${column}" = $1 LIMIT 1`;
      this.ownerQueries.set(key, sql);
    }
    const rows: Record<string, unknown>[] = await this.scope.manager().query(sql, [value]);
    if (!rows.length) return null;
    return Object.assign(kind === 'user' ? new CrmUserEntity() : new CrmQueueEntity(), rows[0]);
  }

  /**
   * Every record each (normalised) address belongs to, in RESOLUTION_ORDER: the first entry
   * of an address's list is the record a party resolves to.
   */
  /**
   * matchAddresses once per transaction for the same addresses: a group of decisions for one
   * mailbox and sender resolves the same parties for each message. The map is shared: read it only.
   */
  matchAddressesOnce(addresses: string[]): Promise<Map<string, RecordRef[]>> {
    const key = [...new Set(addresses.filter(Boolean))].sort().join(' ');
    return this.scope.memo(`match ${key}`, () => this.matchAddresses(addresses));
  }

  async matchAddresses(addresses: string[]): Promise<Map<string, RecordRef[]>> {
    const out = new Map<string, RecordRef[]>();
    const unique = [...new Set(addresses.filter(Boolean))];
    if (!unique.length) return out;
    // One round trip for every record type (a received message resolves all its parties at once).
    const rows: { k: number; id: string; email: string }[] = await this.scope.manager().query(this.matchSql(), [unique]);
    for (const row of rows) {
      const list = out.get(row.email) ?? [];
      list.push({ type: RESOLUTION_ORDER[row.k], id: row.id });
      out.set(row.email, list);
    }
    return out;
  }

  /** The UNION of each record type's matches, ordered as RESOLUTION_ORDER, oldest record first within a type. */
  private matchSql(): string {
    if (this.matchQuery) return this.matchQuery;
    const parts = RESOLUTION_ORDER.map((type, k) => {
      const table = quotedTable(this.scope.manager().getRepository<RecordEntity>(ENTITY[type]).metadata.tablePath);
      return `SELECT ${k} AS k, id, email::text AS email, created_at FROM ${table} WHERE email = ANY($1::text[])`;
    });
    this.matchQuery = `SELECT k, id, email FROM (${parts.join(' UNION ALL ')}) m ORDER BY k, created_at`;
    return this.matchQuery;
  }

  /** Users and queues whose email the router delivers (load data). */
  async emailRouterRecords(): Promise<{ users: CrmUserEntity[]; queues: CrmQueueEntity[] }> {
    const m = this.scope.manager();
    const [users, queues] = await Promise.all([
      m.find(CrmUserEntity, { where: { emailRouter: true }, order: { fullName: 'ASC' } }),
      m.find(CrmQueueEntity, { where: { emailRouter: true }, order: { name: 'ASC' } }),
    ]);
    return { users, queues };
  }
}

/** `schema.table` → `"schema"."table"`. */
export function quotedTable(tablePath: string): string {
  return tablePath.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}
