import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThanOrEqual, Repository } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';

@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  async insert(event: AuditEventEntity): Promise<void> {
    await this.events.insert(event);
  }

  /** Newest first. */
  list(opts: { limit: number; since?: Date }): Promise<AuditEventEntity[]> {
    return this.events.find({
      where: opts.since ? { at: MoreThanOrEqual(opts.since) } : {},
      order: { at: 'DESC', id: 'DESC' },
      take: opts.limit,
    });
  }
}
