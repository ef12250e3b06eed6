import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795775215426 implements MigrationInterface {
  name = 'Init1795775215426';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"config\".\"profile\" (\"id\" uuid NOT NULL, \"name\" character varying(200) NOT NULL, \"direction\" character varying(16) NOT NULL, \"protocol\" character varying(16) NOT NULL, \"host\" character varying(255) NOT NULL, \"port\" integer NOT NULL, \"security\" character varying(16) NOT NULL, \"auth_type\" character varying(16) NOT NULL, \"credentials\" character varying(16) NOT NULL, \"username\" character varying(320), \"password\" jsonb, \"poll_interval_seconds\" integer, \"max_connections\" integer NOT NULL, \"allow_invalid_certificates\" boolean NOT NULL DEFAULT false, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"UQ_0046bf0859cceb5f1744df2a360\" UNIQUE (\"name\"), CONSTRAINT \"PK_3dd8bfc97e4a77c70971591bdcb\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"config\".\"deployment\" (\"id\" uuid NOT NULL, \"name\" character varying(200) NOT NULL, \"crm_type\" character varying(32) NOT NULL, \"incoming_profile_id\" uuid, \"outgoing_profile_id\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"UQ_689b881671e6338a1ae265d945b\" UNIQUE (\"name\"), CONSTRAINT \"PK_ee1f952fc81f37c6fea69c2e248\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"config\".\"mailbox\" (\"id\" uuid NOT NULL, \"deployment_id\" uuid NOT NULL, \"kind\" character varying(16) NOT NULL, \"address\" character varying(254) NOT NULL, \"name\" character varying(200), \"crm_id\" character varying(200), \"username\" character varying(320), \"password\" jsonb, \"incoming_profile_id\" uuid, \"outgoing_profile_id\" uuid, \"delete_after_processing\" boolean NOT NULL DEFAULT false, \"enabled\" boolean NOT NULL DEFAULT true, \"incoming_test_status\" character varying(16) NOT NULL DEFAULT 'not-run', \"incoming_test_message\" text NOT NULL DEFAULT '', \"incoming_tested_at\" TIMESTAMP WITH TIME ZONE, \"outgoing_test_status\" character varying(16) NOT NULL DEFAULT 'not-run', \"outgoing_test_message\" text NOT NULL DEFAULT '', \"outgoing_tested_at\" TIMESTAMP WITH TIME ZONE, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_f7191e7ca96ddaeebb57e58650f\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"UQ_mailbox_deployment_address\" ON \"config\".\"mailbox\"  (\"deployment_id\", \"address\") ");
    await queryRunner.query("CREATE TABLE \"config\".\"publication\" (\"id\" uuid NOT NULL, \"version\" integer NOT NULL, \"comment\" text, \"published_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"snapshot\" jsonb NOT NULL, \"mailbox_count\" integer NOT NULL, CONSTRAINT \"UQ_94cc2ec2bfc543d750bdb340f2c\" UNIQUE (\"version\"), CONSTRAINT \"PK_8aea8363d5213896a78d8365fab\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" ADD CONSTRAINT \"FK_5e9b47be01633fa257a6d93579a\" FOREIGN KEY (\"incoming_profile_id\") REFERENCES \"config\".\"profile\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" ADD CONSTRAINT \"FK_dbc94ead78a12b3944368347aaa\" FOREIGN KEY (\"outgoing_profile_id\") REFERENCES \"config\".\"profile\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" ADD CONSTRAINT \"FK_a8c2d682e355184a88093ca85a9\" FOREIGN KEY (\"deployment_id\") REFERENCES \"config\".\"deployment\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" ADD CONSTRAINT \"FK_9084272958da063beb0b8151272\" FOREIGN KEY (\"incoming_profile_id\") REFERENCES \"config\".\"profile\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" ADD CONSTRAINT \"FK_8c99765afca61636c77c0b9444e\" FOREIGN KEY (\"outgoing_profile_id\") REFERENCES \"config\".\"profile\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" DROP CONSTRAINT \"FK_8c99765afca61636c77c0b9444e\"");
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" DROP CONSTRAINT \"FK_9084272958da063beb0b8151272\"");
    await queryRunner.query("ALTER TABLE \"config\".\"mailbox\" DROP CONSTRAINT \"FK_a8c2d682e355184a88093ca85a9\"");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" DROP CONSTRAINT \"FK_dbc94ead78a12b3944368347aaa\"");
    await queryRunner.query("ALTER TABLE \"config\".\"deployment\" DROP CONSTRAINT \"FK_5e9b47be01633fa257a6d93579a\"");
    await queryRunner.query("DROP TABLE \"config\".\"publication\"");
    await queryRunner.query("DROP INDEX \"config\".\"UQ_mailbox_deployment_address\"");
    await queryRunner.query("DROP TABLE \"config\".\"mailbox\"");
    await queryRunner.query("DROP TABLE \"config\".\"deployment\"");
    await queryRunner.query("DROP TABLE \"config\".\"profile\"");
  }
}
