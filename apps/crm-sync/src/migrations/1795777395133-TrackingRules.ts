import { MigrationInterface, QueryRunner } from 'typeorm';

export class TrackingRules1795777395133 implements MigrationInterface {
  name = 'TrackingRules1795777395133';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"crm\".\"alert\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"kind\" character varying(30) NOT NULL, \"owner_type\" character varying(10) NOT NULL, \"owner_id\" uuid NOT NULL, \"sender\" text, \"message\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_ad91cad659a3536465d564a4b2f\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"alert_created_at_idx\" ON \"crm\".\"alert\"  (\"created_at\") ");
    await queryRunner.query("CREATE INDEX \"alert_owner_sender_idx\" ON \"crm\".\"alert\"  (\"owner_id\", \"sender\", \"created_at\") ");
    await queryRunner.query("CREATE TABLE \"crm\".\"queue_item\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4(), \"queue_id\" uuid NOT NULL, \"email_id\" uuid NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_88353f29fe28c36483468cd2191\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"queue_item_created_at_idx\" ON \"crm\".\"queue_item\"  (\"created_at\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"queue_item_queue_email_uq\" ON \"crm\".\"queue_item\"  (\"queue_id\", \"email_id\") ");
    await queryRunner.query("ALTER TABLE \"crm\".\"crm_user\" ADD \"email_address_approved\" boolean NOT NULL DEFAULT true");
    await queryRunner.query("ALTER TABLE \"crm\".\"crm_queue\" ADD \"email_address_approved\" boolean NOT NULL DEFAULT true");
    await queryRunner.query("ALTER TABLE \"crm\".\"email\" ADD \"conversation_subject\" text");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"owner_type\" character varying(10)");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"owner_id\" uuid");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"correlation_rule\" character varying(12)");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"parties\" jsonb");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"authentication\" jsonb");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"automatic_kind\" character varying(12)");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" ADD \"automatic_reason\" text");
    await queryRunner.query("CREATE INDEX \"email_conversation_subject_idx\" ON \"crm\".\"email\"  (\"conversation_subject\") ");
    await queryRunner.query("CREATE INDEX \"received_mail_owner_sender_idx\" ON \"crm\".\"received_mail\"  (\"owner_id\", \"from_address\", \"decided_at\") ");
    await queryRunner.query("ALTER TABLE \"crm\".\"queue_item\" ADD CONSTRAINT \"FK_c4d0df2f0362072ac58c0e5c700\" FOREIGN KEY (\"email_id\") REFERENCES \"crm\".\"email\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"crm\".\"queue_item\" DROP CONSTRAINT \"FK_c4d0df2f0362072ac58c0e5c700\"");
    await queryRunner.query("DROP INDEX \"crm\".\"received_mail_owner_sender_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"email_conversation_subject_idx\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"automatic_reason\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"automatic_kind\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"authentication\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"parties\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"correlation_rule\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"owner_id\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"received_mail\" DROP COLUMN \"owner_type\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"email\" DROP COLUMN \"conversation_subject\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"crm_queue\" DROP COLUMN \"email_address_approved\"");
    await queryRunner.query("ALTER TABLE \"crm\".\"crm_user\" DROP COLUMN \"email_address_approved\"");
    await queryRunner.query("DROP INDEX \"crm\".\"queue_item_queue_email_uq\"");
    await queryRunner.query("DROP INDEX \"crm\".\"queue_item_created_at_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"queue_item\"");
    await queryRunner.query("DROP INDEX \"crm\".\"alert_owner_sender_idx\"");
    await queryRunner.query("DROP INDEX \"crm\".\"alert_created_at_idx\"");
    await queryRunner.query("DROP TABLE \"crm\".\"alert\"");
  }
}
