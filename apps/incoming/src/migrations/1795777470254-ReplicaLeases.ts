import { MigrationInterface, QueryRunner } from 'typeorm';

export class ReplicaLeases1795777470254 implements MigrationInterface {
  name = 'ReplicaLeases1795777470254';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"incoming\".\"poll_span\" (\"id\" BIGSERIAL NOT NULL, \"mailbox_id\" character varying(200) NOT NULL, \"replica_id\" character varying(200) NOT NULL, \"trigger\" character varying(16) NOT NULL, \"started_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"ended_at\" TIMESTAMP WITH TIME ZONE, \"outcome\" character varying(16), CONSTRAINT \"PK_4def6cc0561bc7cc9bf3ad4aca7\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_poll_span_mailbox_started\" ON \"incoming\".\"poll_span\"  (\"mailbox_id\", \"started_at\") ");
    await queryRunner.query("CREATE TABLE \"incoming\".\"replica\" (\"replica_id\" character varying(200) NOT NULL, \"started_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"heartbeat_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_838dedd10f448057a5616102d17\" PRIMARY KEY (\"replica_id\"))");
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" ADD \"owner\" character varying(200)");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"incoming\".\"mailbox_state\" DROP COLUMN \"owner\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"replica\"");
    await queryRunner.query("DROP INDEX \"incoming\".\"ix_poll_span_mailbox_started\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"poll_span\"");
  }
}
