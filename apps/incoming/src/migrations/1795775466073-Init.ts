import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795775466073 implements MigrationInterface {
  name = 'Init1795775466073';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"incoming\".\"mailbox_state\" (\"mailbox_id\" character varying(200) NOT NULL, \"uidvalidity\" bigint, \"last_uid\" bigint NOT NULL DEFAULT '0', \"last_poll_at\" TIMESTAMP WITH TIME ZONE, \"last_success_at\" TIMESTAMP WITH TIME ZONE, \"next_poll_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"lease_until\" TIMESTAMP WITH TIME ZONE, \"consecutive_failures\" integer NOT NULL DEFAULT '0', \"last_error\" text, \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_be0c99ae481277863db5efed61f\" PRIMARY KEY (\"mailbox_id\"))");
    await queryRunner.query("CREATE TABLE \"incoming\".\"received_message\" (\"received_id\" character varying(400) NOT NULL, \"mailbox_id\" character varying(200) NOT NULL, \"protocol\" character varying(8) NOT NULL, \"uidvalidity\" bigint, \"uid\" bigint, \"uidl\" character varying(200), \"raw_key\" character varying(400), \"size\" bigint NOT NULL, \"sha256\" character varying(64), \"state\" character varying(16) NOT NULL, \"outcome\" character varying(16), \"reason\" character varying(64), \"reason_text\" text, \"activity_id\" character varying(200), \"published_at\" TIMESTAMP WITH TIME ZONE, \"publish_count\" integer NOT NULL DEFAULT '0', \"verdict_at\" TIMESTAMP WITH TIME ZONE, \"settled_at\" TIMESTAMP WITH TIME ZONE, \"settle_error\" text, \"received_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_d51fc6c9c26d1a52cc4963f5313\" PRIMARY KEY (\"received_id\"))");
    await queryRunner.query("CREATE INDEX \"ix_received_message_mailbox_sha256\" ON \"incoming\".\"received_message\"  (\"mailbox_id\", \"sha256\") ");
    await queryRunner.query("CREATE INDEX \"ix_received_message_mailbox_state\" ON \"incoming\".\"received_message\"  (\"mailbox_id\", \"state\") ");
    await queryRunner.query("CREATE TABLE \"incoming\".\"quarantined_event\" (\"id\" BIGSERIAL NOT NULL, \"event\" character varying(64) NOT NULL, \"msg_id\" character varying(400), \"payload\" jsonb NOT NULL, \"reason\" text NOT NULL, \"delivery_count\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_a5ac288cd07007b6e5c449b1f93\" PRIMARY KEY (\"id\"))");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE \"incoming\".\"quarantined_event\"");
    await queryRunner.query("DROP INDEX \"incoming\".\"ix_received_message_mailbox_state\"");
    await queryRunner.query("DROP INDEX \"incoming\".\"ix_received_message_mailbox_sha256\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"received_message\"");
    await queryRunner.query("DROP TABLE \"incoming\".\"mailbox_state\"");
  }
}
