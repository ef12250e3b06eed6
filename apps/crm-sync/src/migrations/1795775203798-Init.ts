import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795775203798 implements MigrationInterface {
  name = 'Init1795775203798';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"crm\".\"crm_user\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"full_name\" text NOT NULL, \"email\" text NOT NULL, \"incoming_tracking\" character varying(20) NOT NULL DEFAULT 'all', \"email_router\" boolean NOT NULL DEFAULT true, \"user_number\" SERIAL NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_8ffa69036a4a89381c6a14a631d\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"crm_user_email_uq\" ON \"crm\".\"crm_user\"  (\"email\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"crm_queue\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"name\" text NOT NULL, \"email\" text NOT NULL, \"incoming_tracking\" character varying(20) NOT NULL DEFAULT 'all', \"email_router\" boolean NOT NULL DEFAULT true, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_1586737b3060b712ef0b210c844\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"crm_queue_email_uq\" ON \"crm\".\"crm_queue\"  (\"email\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"account\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"name\" text NOT NULL, \"email\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_54115ee388cdb6d86bb4bf5b2ea\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"account_email_idx\" ON \"crm\".\"account\"  (\"email\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"contact\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"full_name\" text NOT NULL, \"email\" text NOT NULL, \"account_id\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_2cbbe00f59ab6b3bb5b8d19f989\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"contact_email_idx\" ON \"crm\".\"contact\"  (\"email\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"lead\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"full_name\" text NOT NULL, \"email\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_ca96c1888f7dcfccab72b72fffa\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"lead_email_idx\" ON \"crm\".\"lead\"  (\"email\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"email\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"direction\" character varying(10) NOT NULL, \"status\" character varying(20) NOT NULL, \"owner_type\" character varying(10) NOT NULL, \"owner_id\" uuid NOT NULL, \"subject\" text NOT NULL DEFAULT '', \"body_text\" text, \"body_html\" text, \"message_id\" text, \"in_reply_to\" text, \"references\" text array NOT NULL DEFAULT '{}', \"tracking_token\" text, \"regarding_type\" character varying(10), \"regarding_id\" uuid, \"received_id\" text, \"delivery_attempts\" integer NOT NULL DEFAULT '0', \"failure_reason\" text, \"claim_count\" integer NOT NULL DEFAULT '0', \"lease_until\" TIMESTAMP WITH TIME ZONE, \"sent_at\" TIMESTAMP WITH TIME ZONE, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_1e7ed8734ee054ef18002e29b1c\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"email_message_id_idx\" ON \"crm\".\"email\"  (\"message_id\") ");
    await queryRunner.query("CREATE INDEX \"email_tracking_token_idx\" ON \"crm\".\"email\"  (\"tracking_token\") ");
    await queryRunner.query("CREATE INDEX \"email_created_at_idx\" ON \"crm\".\"email\"  (\"created_at\") ");
    await queryRunner.query("CREATE INDEX \"email_claim_idx\" ON \"crm\".\"email\"  (\"direction\", \"status\", \"created_at\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"email_owner_received_id_uq\" ON \"crm\".\"email\"  (\"owner_type\", \"owner_id\", \"received_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"email_owner_message_id_uq\" ON \"crm\".\"email\"  (\"owner_type\", \"owner_id\", \"message_id\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"email_party\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"email_id\" uuid NOT NULL, \"role\" character varying(4) NOT NULL, \"address\" text NOT NULL, \"name\" text, \"record_type\" character varying(10), \"record_id\" uuid, \"position\" integer NOT NULL DEFAULT '0', CONSTRAINT \"PK_013db3cabfe08edba3ebbe15af9\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"email_party_email_idx\" ON \"crm\".\"email_party\"  (\"email_id\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"attachment\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"email_id\" uuid NOT NULL, \"filename\" text NOT NULL, \"content_type\" text NOT NULL, \"size\" integer NOT NULL, \"content\" bytea, CONSTRAINT \"PK_d2a80c3a8d467f08a750ac4b420\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"attachment_email_idx\" ON \"crm\".\"attachment\"  (\"email_id\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"received_mail\" (\"received_id\" text NOT NULL, \"mailbox_id\" text NOT NULL, \"message_id\" text, \"subject\" text, \"from_address\" text, \"outcome\" character varying(12) NOT NULL, \"reason\" character varying(40) NOT NULL, \"reason_text\" text NOT NULL, \"activity_id\" uuid, \"decided_at\" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT \"PK_1a5a609cb75f2956afb27baa8f2\" PRIMARY KEY (\"received_id\"))");
    await queryRunner.query("CREATE INDEX \"received_mail_mailbox_idx\" ON \"crm\".\"received_mail\"  (\"mailbox_id\") ");
    await queryRunner.query("CREATE INDEX \"received_mail_message_id_idx\" ON \"crm\".\"received_mail\"  (\"message_id\") ");
    await queryRunner.query("CREATE INDEX \"received_mail_decided_at_idx\" ON \"crm\".\"received_mail\"  (\"decided_at\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"quarantine\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"event\" character varying(40) NOT NULL, \"msg_id\" text, \"payload\" jsonb NOT NULL, \"reason\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_c1cbd36649a09294e417ae639fa\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"quarantine_created_at_idx\" ON \"crm\".\"quarantine\"  (\"created_at\") ");
    await queryRunner.query("ALTER TABLE \"crm\".\"contact\" ADD CONSTRAINT \"FK_6b3555c0d3d0f0d0b6887b5308b\" FOREIGN KEY (\"account_id\") REFERENCES \"crm\".\"account\"(\"id\") ON DELETE SET NULL ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"crm\".\"email_party\" ADD CONSTRAINT \"FK_a3e85d74b572442e44b17451542\" FOREIGN KEY (\"email_id\") REFERENCES \"crm\".\"email\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"crm\".\"attachment\" ADD CONSTRAINT \"FK_4fe5ee8de71b64d71c061ae5b9f\" FOREIGN KEY (\"email_id\") REFERENCES \"crm\".\"email\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"crm\".\"attachment\" DROP CONSTRAINT \"FK_4fe5ee8de71b64d71c061ae5b9f\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"email_party\" DROP CONSTRAINT \"FK_a3e85d74b572442e44b17451542\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"contact\" DROP CONSTRAINT \"FK_6b3555c0d3d0f0d0b6887b5308b\"");
    await queryRunner.query("DROP INDEX \"crm\".\"quarantine_created_at_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"quarantine\"");
    await queryRunner.query("DROP INDEX \"crm\".\"received_mail_decided_at_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"received_mail_message_id_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"received_mail_mailbox_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"received_mail\"");
    await queryRunner.query("DROP INDEX \"crm\".\"attachment_email_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"attachment\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_party_email_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"email_party\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_owner_message_id_uq\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_owner_received_id_uq\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_claim_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_created_at_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_tracking_token_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_message_id_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"email\"");
    await queryRunner.query("DROP INDEX \"crm\".\"lead_email_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"lead\"");
    await queryRunner.query("DROP INDEX \"crm\".\"contact_email_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"contact\"");
    await queryRunner.query("DROP INDEX \"crm\".\"account_email_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"account\"");
    await queryRunner.query("DROP INDEX \"crm\".\"crm_queue_email_uq\"");
    await queryRunner.query("DROP TABLE \"crm\".\"crm_queue\"");
    await queryRunner.query("DROP INDEX \"crm\".\"crm_user_email_uq\"");
    await queryRunner.query("DROP TABLE \"crm\".\"crm_user\"");
  }
}
