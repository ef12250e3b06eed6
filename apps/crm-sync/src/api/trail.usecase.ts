import { Injectable, NotFoundException } from '@nestjs/common';
import { normalizeMessageId } from '@mailrouter/domain';
import { ReceivedTrailRepository } from '../incoming-flow/received-trail.repository';
import { QuarantineRepository } from '../quarantine/quarantine.repository';
import { ReceivedQuery } from './api.schemas';
import { alertView, queueItemView, quarantineView, receivedView } from './views';
import { TrackingStateRepository } from '../builtin-crm/tracking-state.repository';
import { RecordsRepository } from '../builtin-crm/records.repository';

/** Why received mail was (not) tracked, what was quarantined, alerts, queue items. */
@Injectable()
export class TrailUseCase {
  constructor(
    private readonly trail: ReceivedTrailRepository,
    private readonly quarantines: QuarantineRepository,
    private readonly state: TrackingStateRepository,
    private readonly records: RecordsRepository,
  ) {}

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

  async alerts(limit: number) {
    return (await this.state.listAlerts(limit)).map(alertView);
  }

  async queueItems(queueId: string, limit: number) {
    if (!(await this.records.findQueue(queueId))) throw new NotFoundException(`no queue ${queueId}`);
    return (await this.state.queueItems(queueId, limit)).map(queueItemView);
  }
}
