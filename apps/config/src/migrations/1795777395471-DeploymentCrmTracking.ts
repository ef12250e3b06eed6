import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentCrmTracking1795777395471 implements MigrationInterface {
  name = 'DeploymentCrmTracking1795777395471';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" ADD \"crm_connection\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" ADD \"crm_client_secret\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" ADD \"tracking\" jsonb NOT NULL DEFAULT '{}'");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" DROP COLUMN \"tracking\"");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" DROP COLUMN \"crm_client_secret\"");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" DROP COLUMN \"crm_connection\"");
  }
}
