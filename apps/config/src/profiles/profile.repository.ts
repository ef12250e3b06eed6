import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { DeploymentEntity, MailboxEntity, ProfileEntity } from '../entities';
import { isUuid } from '../shared/http-errors';

export interface ProfileUsage {
  deployments: number;
  mailboxes: number;
}

@Injectable()
export class ProfileRepository {
  constructor(
    @InjectRepository(ProfileEntity) private readonly profiles: Repository<ProfileEntity>,
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(MailboxEntity) private readonly mailboxes: Repository<MailboxEntity>,
  ) {}

  list(): Promise<ProfileEntity[]> {
    return this.profiles.find({ order: { name: 'ASC' } });
  }

  async find(id: string): Promise<ProfileEntity | null> {
    return isUuid(id) ? this.profiles.findOneBy({ id }) : null;
  }

  async findMany(ids: string[]): Promise<ProfileEntity[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    return valid.length ? this.profiles.findBy({ id: In(valid) }) : [];
  }

  /** Whether another profile has this name (the unique constraint still decides races). */
  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    return this.profiles.exists({ where: { name, ...(exceptId && { id: Not(exceptId) }) } });
  }

  async insert(profile: ProfileEntity): Promise<ProfileEntity> {
    await this.profiles.insert(profile);
    return (await this.find(profile.id))!;
  }

  async save(profile: ProfileEntity): Promise<ProfileEntity> {
    await this.profiles.save(profile);
    return (await this.find(profile.id))!;
  }

  async delete(id: string): Promise<void> {
    await this.profiles.delete({ id });
  }

  /** How many deployments and mailboxes refer to the profile (either direction). */
  async usage(id: string): Promise<ProfileUsage> {
    const [deployments, mailboxes] = await Promise.all([
      this.deployments.count({ where: [{ incomingProfileId: id }, { outgoingProfileId: id }] }),
      this.mailboxes.count({ where: [{ incomingProfileId: id }, { outgoingProfileId: id }] }),
    ]);
    return { deployments, mailboxes };
  }
}
