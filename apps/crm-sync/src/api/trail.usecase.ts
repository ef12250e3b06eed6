import { Injectable, NotFoundException } from '@nestjs/common';
import { normalizeMessageId } from '@mailrouter/domain';
import { ReceivedTrailRepository } from '../incoming-flow/received-trail.repository';
import { QuarantineRepository } from '../quarantine/quarantine.repository';
import { ReceivedQuery } from './api.schemas';
import { quarantineView, receivedView } from './views';

/** Why received mail was (not) tracked, and what was quarantined. */
@Injectable()
export class TrailUseCase {
  constructor(private readonly trail: ReceivedTrailRepository, private readonly quarantines: QuarantineRepository) {}

  async list(q: ReceivedQuery) {
    const rows = await this.trail.list({ ...q, messageId: q.messageId ? normalizeMessageId(q.messageId) : undefined });
    return rows.map(receivedView);
  }

  async get(receivedId: string) {
    const row = await this.trail.find(receivedId);
    if (!row) throw new NotFoundException(`no received message ${receivedId}`);
    return receivedView(row);
  }

  async quarantine() {
    return (await this.quarantines.list(500)).map(quarantineView);
  }
}
