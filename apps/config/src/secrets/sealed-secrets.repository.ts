import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { DeploymentEntity, MailboxEntity, ProfileEntity, PublicationEntity } from '../entities';
import { lockPublications } from '../publish/publication.repository';
import { mapSealedSecrets } from './sealed-values';

/**
 * Every column that holds a SealedSecretV1, by entity. A new sealed column must be added here,
 * or a rotation leaves it under the old key (secrets-rotation.integration-spec.ts fills each one).
 */
const SEALED_COLUMNS: ReadonlyArray<{ entity: EntityTarget<ObjectLiteral>; what: string; properties: string[] }> = [
  { entity: ProfileEntity, what: 'profile', properties: ['password', 'graphClientSecret', 'graphPrivateKey'] },
  { entity: MailboxEntity, what: 'mailbox', properties: ['password'] },
  { entity: DeploymentEntity, what: 'deployment', properties: ['crmClientSecret'] },
];

/** Where a sealed value lives: the editable configuration, or a published version's snapshot. */
export type SealedArea = 'stored' | 'published';

/** Sees (and may replace) one sealed value; `where` names its row and field, never its value. */
export type SealedVisitor = (secret: SealedSecretV1, area: SealedArea, where: string) => SealedSecretV1;

/** Reads, and re-writes, every sealed secret of the `config` schema. */
@Injectable()
export class SealedSecretsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Visits every sealed value in one consistent read; nothing is written. */
  async read(visit: SealedVisitor): Promise<void> {
    await this.dataSource.transaction('REPEATABLE READ', (tx) => this.walk(tx, visit, false));
  }

  /**
   * Visits every sealed value in one transaction, under the publish lock, and writes back each
   * row where the visitor returned another value. A visitor that throws rolls everything back.
   * Rows are updated with plain SQL so `updated_at` keeps meaning "edited by someone".
   */
  async rewrite(visit: SealedVisitor): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await lockPublications(tx); // a rotation and a publish never interleave
      await this.walk(tx, visit, true);
    });
  }

  private async walk(tx: EntityManager, visit: SealedVisitor, write: boolean): Promise<void> {
    for (const { entity, what, properties } of SEALED_COLUMNS) {
      const meta = tx.connection.getMetadata(entity);
      const columns = properties.map((p) => {
        const column = meta.findColumnWithPropertyName(p);
        if (!column) throw new Error(`${what} has no column ${p}`);
        return column.databaseName;
      });
      const rows: Array<Record<string, unknown>> = await tx.query(
        `SELECT id, ${columns.map((c) => `"${c}"`).join(', ')} FROM ${meta.tablePath} ORDER BY id`,
      );
      for (const row of rows) {
        for (const [i, column] of columns.entries()) {
          const before = row[column];
          if (before === null) continue;
          const after = mapSealedSecrets(before, (s) => visit(s, 'stored', `${what} ${row['id']} ${properties[i]}`));
          if (write && after !== before) {
            await tx.query(`UPDATE ${meta.tablePath} SET "${column}" = $1 WHERE id = $2`, [JSON.stringify(after), row['id']]);
          }
        }
      }
    }
    const publications = tx.connection.getMetadata(PublicationEntity).tablePath;
    const snapshots: Array<{ id: string; version: number; snapshot: unknown }> = await tx.query(`SELECT id, version, snapshot FROM ${publications} ORDER BY version`);
    for (const p of snapshots) {
      const after = mapSealedSecrets(p.snapshot, (s, path) => visit(s, 'published', `published version ${p.version} ${path}`));
      if (write && after !== p.snapshot) {
        await tx.query(`UPDATE ${publications} SET snapshot = $1 WHERE id = $2`, [JSON.stringify(after), p.id]);
      }
    }
  }
}
