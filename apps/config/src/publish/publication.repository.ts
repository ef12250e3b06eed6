import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { PublishedConfigV1 } from '@mailrouter/contracts';
import { DeploymentEntity, MailboxEntity, ProfileEntity, PublicationEntity } from '../entities';
import type { ConfigState } from './published-config.builder';

/** Serialises publishes across replicas of `config` (pg advisory lock key). */
const PUBLISH_LOCK_KEY = 'mailrouter.config.publish';

/**
 * Takes the publish lock for the rest of the transaction: publishes, rollbacks and anything else
 * that rewrites what a publish reads or writes (a secret-key rotation) run one at a time.
 */
export async function lockPublications(tx: EntityManager): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [PUBLISH_LOCK_KEY]);
}

export type PublicationSummary = Pick<PublicationEntity, 'version' | 'comment' | 'publishedAt' | 'mailboxCount'>;

async function readState(tx: EntityManager): Promise<ConfigState> {
  return {
    profiles: await tx.getRepository(ProfileEntity).find(),
    deployments: await tx.getRepository(DeploymentEntity).find(),
    mailboxes: await tx.getRepository(MailboxEntity).find(),
  };
}

/** Records a version, then writes it to the key-value bucket; a failed write rolls the record back. */
async function insertAndDistribute(
  tx: EntityManager, config: PublishedConfigV1, distribute: (config: PublishedConfigV1) => Promise<void>,
): Promise<PublicationEntity> {
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
}

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
      await lockPublications(tx);
      const state = await readState(tx);
      const last = await tx.getRepository(PublicationEntity).maximum('version');
      return insertAndDistribute(tx, build(state, (last ?? 0) + 1), distribute);
    });
  }

  /**
   * Publishes version `version`'s stored snapshot again as the next version (a rollback), under
   * the same lock and with the same all-or-nothing distribution as publishNext. Null when no
   * such version exists.
   */
  async republish(
    version: number,
    build: (stored: PublishedConfigV1, next: number) => PublishedConfigV1,
    distribute: (config: PublishedConfigV1) => Promise<void>,
  ): Promise<PublicationEntity | null> {
    return this.dataSource.transaction(async (tx) => {
      await lockPublications(tx);
      const stored = await tx.getRepository(PublicationEntity).findOneBy({ version });
      if (!stored) return null;
      const last = await tx.getRepository(PublicationEntity).maximum('version');
      return insertAndDistribute(tx, build(stored.snapshot, (last ?? 0) + 1), distribute);
    });
  }

  /** The draft (the edited configuration) read in one consistent snapshot, and the latest version. */
  async readDraft(): Promise<{ state: ConfigState; latest: number | null }> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => ({
      state: await readState(tx),
      latest: await tx.getRepository(PublicationEntity).maximum('version'),
    }));
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
