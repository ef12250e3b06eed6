import { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersTokensAudit1795786181321 implements MigrationInterface {
  name = 'UsersTokensAudit1795786181321';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"config\".\"audit_event\" (\"id\" uuid NOT NULL, \"at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"method\" text NOT NULL, \"path\" text NOT NULL, \"principal_name\" text NOT NULL, \"principal_role\" text NOT NULL, \"status\" integer NOT NULL, \"target_id\" text, \"body\" jsonb, CONSTRAINT \"PK_481efbe8b0a403efe3f47a6528f\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"IDX_06d570d7d1b40fbc994b5955be\" ON \"config\".\"audit_event\"  (\"at\") ");
    await queryRunner.query("CREATE TABLE \"config\".\"app_user\" (\"id\" uuid NOT NULL, \"username\" text NOT NULL, \"username_key\" text NOT NULL, \"role\" text NOT NULL, \"password_hash\" text NOT NULL, \"disabled\" boolean NOT NULL DEFAULT false, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"UQ_bdd3782f95ddab5f7ac18a78316\" UNIQUE (\"username_key\"), CONSTRAINT \"PK_22a5c4a3d9b2fb8e4e73fc4ada1\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"config\".\"user_token\" (\"id\" uuid NOT NULL, \"user_id\" uuid NOT NULL, \"kind\" text NOT NULL, \"name\" text, \"token_hash\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"expires_at\" TIMESTAMP WITH TIME ZONE, \"last_used_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"UQ_108995b1a4145b5b06dbf341048\" UNIQUE (\"token_hash\"), CONSTRAINT \"PK_48cb6b5c20faa63157b3c1baf7f\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"IDX_79ac751931054ef450a2ee4777\" ON \"config\".\"user_token\"  (\"user_id\") ");
    await queryRunner.query("ALTER TABLE \"config\".\"user_token\" ADD CONSTRAINT \"FK_79ac751931054ef450a2ee47778\" FOREIGN KEY (\"user_id\") REFERENCES \"config\".\"app_user\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"config\".\"user_token\" DROP CONSTRAINT \"FK_79ac751931054ef450a2ee47778\"");
    await queryRunner.query("DROP INDEX \"config\".\"IDX_79ac751931054ef450a2ee4777\"");
    await queryRunner.query("DROP TABLE \"config\".\"user_token\"");
    await queryRunner.query("DROP TABLE \"config\".\"app_user\"");
    await queryRunner.query("DROP INDEX \"config\".\"IDX_06d570d7d1b40fbc994b5955be\"");
    await queryRunner.query("DROP TABLE \"config\".\"audit_event\"");
  }
}
