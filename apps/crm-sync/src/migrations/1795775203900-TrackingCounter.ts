import { MigrationInterface, QueryRunner } from 'typeorm';

/** The counter of tracking tokens (formatTrackingToken's last digits): one sequence, no entity. */
export class TrackingCounter1795775203900 implements MigrationInterface {
  name = 'TrackingCounter1795775203900';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SEQUENCE "crm"."tracking_token_counter" START WITH 1 INCREMENT BY 1');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SEQUENCE "crm"."tracking_token_counter"');
  }
}
