import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QuarantineRecord } from '@mailrouter/messaging';
import { QuarantinedEventEntity } from './entities/quarantined-event.entity';

@Injectable()
export class QuarantineRepository {
  constructor(@InjectRepository(QuarantinedEventEntity) private readonly repo: Repository<QuarantinedEventEntity>) {}

  async record(r: QuarantineRecord): Promise<void> {
    await this.repo.insert({
      event: r.event, msgId: r.msgId ?? null, payload: (r.payload ?? null) as object, reason: r.reason, deliveryCount: r.deliveryCount,
    });
  }
}
