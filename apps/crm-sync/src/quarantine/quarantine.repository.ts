import { Injectable } from '@nestjs/common';
import type { QuarantineRecord } from '@mailrouter/messaging';
import { TransactionScope } from '../transaction-scope.repository';
import { QuarantineEntity } from '../builtin-crm/entities/trail.entity';

/** Messages crm-sync could never handle, with why. */
@Injectable()
export class QuarantineRepository {
  constructor(private readonly scope: TransactionScope) {}

  async record(r: QuarantineRecord): Promise<void> {
    await this.scope.manager().insert(QuarantineEntity, {
      event: r.event, msgId: r.msgId ?? null, payload: (r.payload ?? null) as object, reason: r.reason,
    });
  }

  list(limit: number): Promise<QuarantineEntity[]> {
    return this.scope.manager().find(QuarantineEntity, { order: { createdAt: 'DESC' }, take: limit });
  }
}
