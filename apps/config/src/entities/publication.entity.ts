import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PublishedConfigV1 } from '@mailrouter/contracts';

/** One published, immutable configuration version (passwords in the snapshot are sealed). */
@Entity({ name: 'publication' })
export class PublicationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'int', unique: true })
  version!: number;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;

  @Column({ type: 'jsonb' })
  snapshot!: PublishedConfigV1;

  @Column({ name: 'mailbox_count', type: 'int' })
  mailboxCount!: number;
}
