import { MigrationInterface, QueryRunner } from 'typeorm';

export class QuarantineAndBackfill1795790000000 implements MigrationInterface {
  name = 'QuarantineAndBackfill1795790000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"incoming\".\"quarantine_action\" (\"id\" BIGSERIAL NOT NULL, \"received_id\" character varying(400) NOT NULL, \"action\" character varying(16) NOT NULL, \"new_received_id\" character varying(400), \"acted_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_9fc166f0706972544156e22ecff\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_quarantine_action_received\" ON \"incoming\".\"quarantine_action\"  (\"received_id\") ");
    await queryRunner.query("CREATE TABLE \"incoming\".\"backfill_request\" (\"id\" BIGSERIAL NOT NULL, \"mailbox_id\" character varying(200) NOT NULL, \"since\" TIMESTAMP WITH TIME ZONE NOT NULL, \"state\" character varying(16) NOT NULL, \"found\" integer, \"fresh\" integer NOT NULL DEFAULT '0', \"error\" text, \"requested_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"done_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_41b6741ee843fba609c4864a13b\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_backfill_request_mailbox_state\" ON \"incoming\".\"backfill_request\"  (\"mailbox_id\", \"state\") ");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"incoming\".\"ix_backfill_request_mailbox_state\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"backfill_request\"");
    await queryRunner.query("DROP INDEX \"incoming\".\"ix_quarantine_action_received\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"quarantine_action\"");
  }
}
