import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795775279366 implements MigrationInterface {
  name = 'Init1795775279366';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"outgoing\".\"send_log\" (\"email_id\" text NOT NULL, \"message_id\" text NOT NULL, \"state\" character varying(8) NOT NULL, \"attempts\" integer NOT NULL DEFAULT '0', \"last_response\" text, \"reason\" text, \"possible_duplicate\" boolean NOT NULL DEFAULT false, \"attempt_lease_until\" TIMESTAMP WITH TIME ZONE, \"first_attempt_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"completed_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_0d856ba068bd6f0cfb58e8b52c4\" PRIMARY KEY (\"email_id\"))");
    await queryRunner.query("CREATE TABLE \"outgoing\".\"quarantine\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"event\" character varying(40) NOT NULL, \"subject\" text NOT NULL, \"msg_id\" text, \"payload\" jsonb NOT NULL, \"reason\" text NOT NULL, \"delivery_count\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_c1cbd36649a09294e417ae639fa\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"quarantine_created_at_idx\" ON \"outgoing\".\"quarantine\"  (\"created_at\") ");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"outgoing\".\"quarantine_created_at_idx\"");
    await queryRunner.query("DROP TABLE \"outgoing\".\"quarantine\"");
    await queryRunner.query("DROP TABLE \"outgoing\".\"send_log\"");
  }
}
