import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { DeploymentEntity, MailboxEntity } from '../entities';
import { isUuid } from '../shared/http-errors';

@Injectable()
export class DeploymentRepository {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(MailboxEntity) private readonly mailboxes: Repository<MailboxEntity>,
  ) {}

  list(): Promise<DeploymentEntity[]> {
    return this.deployments.find({ order: { name: 'ASC' } });
  }

  async find(id: string): Promise<DeploymentEntity | null> {
    return isUuid(id) ? this.deployments.findOneBy({ id }) : null;
  }

  async nameTaken(name: string, exceptId: string): Promise<boolean> {
    return this.deployments.exists({ where: { name, id: Not(exceptId) } });
  }

  async insert(deployment: DeploymentEntity): Promise<DeploymentEntity> {
    await this.deployments.insert(deployment);
    return (await this.find(deployment.id))!;
  }

  async save(deployment: DeploymentEntity): Promise<DeploymentEntity> {
    await this.deployments.save(deployment);
    return (await this.find(deployment.id))!;
  }

  async delete(id: string): Promise<void> {
    await this.deployments.delete({ id });
  }

  countMailboxes(id: string): Promise<number> {
    return this.mailboxes.countBy({ deploymentId: id });
  }
}
