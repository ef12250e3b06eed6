import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { normalizeAddress, RecordType } from '@mailrouter/domain';
import { badRequest } from '@mailrouter/platform';
import { RecordsRepository } from '../builtin-crm/records.repository';
import { isUniqueViolation } from '../transaction-scope.repository';
import { OwnerPatch, RECORD_BODIES, RecordBody, RecordKind } from './api.schemas';
import { recordView } from './views';

/** Create, list and read the built-in CRM's users, queues, contacts, accounts and leads. */
@Injectable()
export class RecordsUseCase {
  constructor(private readonly records: RecordsRepository) {}

  static typeOf(kind: string): RecordType {
    const def = RECORD_BODIES[kind as RecordKind];
    if (!def) throw new NotFoundException(`no such collection /crm/v1/${kind}`);
    return def.type;
  }

  async create(kind: RecordKind, body: RecordBody): Promise<Record<string, unknown>> {
    const type = RecordsUseCase.typeOf(kind);
    const values = { ...body } as Record<string, unknown>;
    if (typeof values.email === 'string') values.email = normalizeAddress(values.email);
    if (typeof values.accountId === 'string' && !(await this.records.find('account', values.accountId))) {
      throw badRequest([{ field: 'accountId', message: `no account ${values.accountId}` }]);
    }
    try {
      return recordView(type, await this.records.create(type, values));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`a ${type} with the address ${String(values.email)} exists already`);
      throw err;
    }
  }

  async update(type: 'user' | 'queue', id: string, patch: OwnerPatch): Promise<Record<string, unknown>> {
    const record = await this.records.update(type, id, patch);
    if (!record) throw new NotFoundException(`no ${type} ${id}`);
    return recordView(type, record);
  }

  async list(kind: string): Promise<Record<string, unknown>[]> {
    const type = RecordsUseCase.typeOf(kind);
    return (await this.records.list(type)).map((r) => recordView(type, r));
  }

  async get(kind: string, id: string): Promise<Record<string, unknown>> {
    const type = RecordsUseCase.typeOf(kind);
    const record = await this.records.find(type, id);
    if (!record) throw new NotFoundException(`no ${type} ${id}`);
    return recordView(type, record);
  }
}
