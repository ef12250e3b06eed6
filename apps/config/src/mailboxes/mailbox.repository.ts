import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, Not, Repository } from 'typeorm';
import { MailboxEntity } from '../entities';
import { isUuid } from '../shared/http-errors';
import type { LoadDataPlan } from '../deployments/load-data.plan';

export interface TestResultsRecord {
  incoming: { status: MailboxEntity['incomingTestStatus']; message: string; testedAt: Date };
  outgoing: { status: MailboxEntity['outgoingTestStatus']; message: string; testedAt: Date };
}

@Injectable()
export class MailboxRepository {
  constructor(
    @InjectRepository(MailboxEntity) private readonly mailboxes: Repository<MailboxEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  list(deploymentId?: string): Promise<MailboxEntity[]> {
    return this.mailboxes.find({ where: deploymentId ? { deploymentId } : {}, order: { address: 'ASC', id: 'ASC' } });
  }

  async find(id: string): Promise<MailboxEntity | null> {
    return isUuid(id) ? this.mailboxes.findOneBy({ id }) : null;
  }

  async findMany(ids: string[]): Promise<MailboxEntity[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    return valid.length ? this.mailboxes.findBy({ id: In(valid) }) : [];
  }

  /** The enabled user mailboxes of a deployment (by address): those `all` deploys forward rules for. */
  enabledUsers(deploymentId: string): Promise<MailboxEntity[]> {
    return this.mailboxes.find({ where: { deploymentId, kind: 'user', enabled: true }, order: { address: 'ASC', id: 'ASC' } });
  }

  async addressTaken(deploymentId: string, address: string, exceptId: string): Promise<boolean> {
    return this.mailboxes.exists({ where: { deploymentId, address, id: Not(exceptId) } });
  }

  async insert(mailbox: MailboxEntity): Promise<MailboxEntity> {
    await this.mailboxes.insert(mailbox);
    return (await this.find(mailbox.id))!;
  }

  async save(mailbox: MailboxEntity): Promise<MailboxEntity> {
    await this.mailboxes.save(mailbox);
    return (await this.find(mailbox.id))!;
  }

  async delete(id: string): Promise<void> {
    await this.mailboxes.delete({ id });
  }

  async saveTestResults(id: string, r: TestResultsRecord): Promise<void> {
    await this.mailboxes.update({ id }, {
      incomingTestStatus: r.incoming.status,
      incomingTestMessage: r.incoming.message,
      incomingTestedAt: r.incoming.testedAt,
      outgoingTestStatus: r.outgoing.status,
      outgoingTestMessage: r.outgoing.message,
      outgoingTestedAt: r.outgoing.testedAt,
    });
  }

  /** Applies a load-data plan in one transaction; returns the created and updated rows. */
  async applyLoadData(deploymentId: string, plan: LoadDataPlan): Promise<{ created: MailboxEntity[]; updated: MailboxEntity[] }> {
    return this.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(MailboxEntity);
      const createdIds: string[] = [];
      for (const c of plan.create) {
        const id = randomUUID();
        await repo.insert({
          id, deploymentId, kind: c.kind, address: c.address, crmId: c.crmId, name: c.name, enabled: true,
          deleteAfterProcessing: false, username: null, password: null, incomingProfileId: null, outgoingProfileId: null,
        });
        createdIds.push(id);
      }
      for (const u of plan.update) await repo.update({ id: u.id, deploymentId }, u.changes);
      const updatedIds = plan.update.map((u) => u.id);
      const load = async (ids: string[]) => {
        if (!ids.length) return [];
        const rows = await repo.findBy({ id: In(ids) });
        return ids.map((id) => rows.find((r) => r.id === id)!).filter(Boolean);
      };
      return { created: await load(createdIds), updated: await load(updatedIds) };
    });
  }
}
