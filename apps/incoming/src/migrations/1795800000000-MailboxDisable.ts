import { MigrationInterface, QueryRunner } from 'typeorm';

export class MailboxDisable1795800000000 implements MigrationInterface {
  name = 'MailboxDisable1795800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" ADD \"last_failure_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" ADD \"disabled_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" ADD \"disabled_reason\" text");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" DROP COLUMN \"disabled_reason\"");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" DROP COLUMN \"disabled_at\"");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" DROP COLUMN \"last_failure_at\"");
  }
}
