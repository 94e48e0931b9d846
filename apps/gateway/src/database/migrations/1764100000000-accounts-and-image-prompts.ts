import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts beside guests (username, email, password), their emailed single-use links, login lockout,
 * personal API tokens, and the init image of an img2img prompt. Columns are added with ALTER TABLE: a table
 * rebuild would drop `users`, and with foreign keys on that would cascade into every guest's prompts.
 */
export class AccountsAndImagePrompts1764100000000 implements MigrationInterface {
  name = 'AccountsAndImagePrompts1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "username" text`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "email" text`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "password_hash" text`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "password_changed_at" datetime`);
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_username" ON "users" ("username") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_email" ON "users" ("email") `);
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "init_image_file" text`);
    await queryRunner.query(
      `CREATE TABLE "account_tokens" ("token_hash" text PRIMARY KEY NOT NULL, "user_id" integer NOT NULL, "purpose" text NOT NULL, "created_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "used_at" datetime, CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_account_tokens_user" ON "account_tokens" ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "login_failures" ("subject" text PRIMARY KEY NOT NULL, "failures" integer NOT NULL, "window_started_at" datetime NOT NULL, "locked_until" datetime)`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "name" text NOT NULL, "token_hash" text NOT NULL, "created_at" datetime NOT NULL, "last_used_at" datetime, "revoked_at" datetime, CONSTRAINT "FK_b74883f5884a42fd8496d389b25" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_api_tokens_hash" ON "api_tokens" ("token_hash") `);
    await queryRunner.query(`CREATE INDEX "idx_api_tokens_user" ON "api_tokens" ("user_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(`DROP TABLE "login_failures"`);
    await queryRunner.query(`DROP TABLE "account_tokens"`);
    await queryRunner.query(`DROP INDEX "idx_users_email"`);
    await queryRunner.query(`DROP INDEX "idx_users_username"`);
    for (const column of ['password_changed_at', 'password_hash', 'email', 'username']) {
      await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "init_image_file"`);
  }
}
