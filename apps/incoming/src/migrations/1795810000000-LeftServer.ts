import { MigrationInterface, QueryRunner } from 'typeorm';

/** received_message.left_server_at: when the message was deleted by the router or vanished from a POP3 listing. */
export class LeftServer1795810000000 implements MigrationInterface {
  name = 'LeftServer1795810000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"received_message\" ADD \"left_server_at\" TIMESTAMP WITH TIME ZONE");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"received_message\" DROP COLUMN \"left_server_at\"");
  }
}
