import { MigrationInterface, QueryRunner } from 'typeorm';

export class SyncStateAndItemId1795783766751 implements MigrationInterface {
  name = 'SyncStateAndItemId1795783766751';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" ADD \"sync_state\" text");
    await queryRunner.query("ALTER TABLE \"incoming\".\"received_message\" ADD \"item_id\" character varying(1024)");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"received_message\" DROP COLUMN \"item_id\"");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" DROP COLUMN \"sync_state\"");
  }
}
