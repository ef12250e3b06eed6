import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import type { PublishedConfigV1 } from '@mailrouter/contracts';
import { DeploymentEntity, MailboxEntity, ProfileEntity, PublicationEntity } from '../entities';
import type { ConfigState } from './published-config.builder';

/** Serialises publishes across replicas of `config` (pg advisory lock key). */
const PUBLISH_LOCK_KEY = 'mailrouter.config.publish';

export type PublicationSummary = Pick<PublicationEntity, 'version' | 'comment' | 'publishedAt' | 'mailboxCount'>;

@Injectable()
export class PublicationRepository {
  constructor(
    @InjectRepository(PublicationEntity) private readonly publications: Repository<PublicationEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Publishes the next version in one transaction: reads the whole configuration, builds the
   * snapshot, stores it, and runs `distribute` (the key-value write) before committing — so a
   * version the services cannot see is never recorded as published.
   */
  async publishNext(
    build: (state: ConfigState, version: number) => PublishedConfigV1,
    distribute: (config: PublishedConfigV1) => Promise<void>,
  ): Promise<PublicationEntity> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [PUBLISH_LOCK_KEY]);
      const profiles = await tx.getRepository(ProfileEntity).find();
      const deployments = await tx.getRepository(DeploymentEntity).find();
      const mailboxes = await tx.getRepository(MailboxEntity).find();
      const last = await tx.getRepository(PublicationEntity).maximum('version');
      const config = build({ profiles, deployments, mailboxes }, (last ?? 0) + 1);
      const publication = Object.assign(new PublicationEntity(), {
        id: randomUUID(),
        version: config.version,
        comment: config.comment ?? null,
        publishedAt: new Date(config.publishedAt),
        snapshot: config,
        mailboxCount: config.mailboxes.length,
      });
      await tx.getRepository(PublicationEntity).insert(publication);
      await distribute(config);
      return publication;
    });
  }

  list(): Promise<PublicationSummary[]> {
    return this.publications.find({
      select: { version: true, comment: true, publishedAt: true, mailboxCount: true },
      order: { version: 'DESC' },
    });
  }

  find(version: number): Promise<PublicationEntity | null> {
    return this.publications.findOneBy({ version });
  }
}
