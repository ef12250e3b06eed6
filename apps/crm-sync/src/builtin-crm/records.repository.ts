import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
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
    return (await this.repo(kind).findOne({ where: { email: address } })) as CrmUserEntity | CrmQueueEntity | null;
  }

  /**
   * Every record each (normalised) address belongs to, in RESOLUTION_ORDER: the first entry
   * of an address's list is the record a party resolves to.
   */
  async matchAddresses(addresses: string[]): Promise<Map<string, RecordRef[]>> {
    const out = new Map<string, RecordRef[]>();
    const unique = [...new Set(addresses.filter(Boolean))];
    if (!unique.length) return out;
    for (const type of RESOLUTION_ORDER) {
      const rows = await this.repo(type).find({
        where: { email: In(unique) },
        select: { id: true, email: true },
        order: { createdAt: 'ASC' } as never,
      });
      for (const row of rows) {
        const list = out.get(row.email as string) ?? [];
        list.push({ type, id: row.id });
        out.set(row.email as string, list);
      }
    }
    return out;
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
