import { MigrationInterface, QueryRunner } from 'typeorm';

export class ExchangeProfiles1795783850366 implements MigrationInterface {
  name = 'ExchangeProfiles1795783850366';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"auth_domain\" character varying(255)");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"ews\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"graph\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"graph_client_secret\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"graph_private_key\" jsonb");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"send_access\" character varying(16)");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"sending_account\" character varying(254)");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"processed_folder\" character varying(255)");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" ADD \"manage_sieve_port\" integer");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"manage_sieve_port\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"processed_folder\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"sending_account\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"send_access\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"graph_private_key\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"graph_client_secret\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"graph\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"ews\"");
    await queryRunner.query("ALTER TABLE \"config\".\"profile\" DROP COLUMN \"auth_domain\"");
  }
}
