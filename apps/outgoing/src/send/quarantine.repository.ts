import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QuarantineRecord } from '@mailrouter/messaging';
import { QuarantinedCommandEntity } from './quarantined-command.entity';

/** Send commands that can never be handled, kept with the reason (outgoing.quarantine). */
@Injectable()
export class QuarantineRepository {
  constructor(@InjectRepository(QuarantinedCommandEntity) private readonly repo: Repository<QuarantinedCommandEntity>) {}

  async record(r: QuarantineRecord): Promise<void> {
    await this.repo.insert({
      event: r.event,
      subject: r.subject,
      msgId: r.msgId ?? null,
      payload: (r.payload ?? null) as object,
      reason: r.reason,
      deliveryCount: r.deliveryCount,
    });
  }

  list(limit = 100): Promise<QuarantinedCommandEntity[]> {
    return this.repo.find({ order: { createdAt: 'DESC' }, take: limit });
  }
}
