import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.session_epoch`: a session counts only while it carries its user's current epoch, so a password
 * reset or change ends every other session at once (the sessions table is never searched by user).
 * ADD COLUMN with a default keeps every row; no table is rebuilt.
 */
export class SessionEpoch1764310000000 implements MigrationInterface {
  name = 'SessionEpoch1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "session_epoch" integer NOT NULL DEFAULT (0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "session_epoch"`);
  }
}
