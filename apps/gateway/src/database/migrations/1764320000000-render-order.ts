import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several GPUs and a fair order: which worker a suggestion went to (`worker`), when (`sent_at`, each
 * author's latest is their last turn, found through the (user_id, sent_at) index), and whether it goes first
 * (`render_next_at`). ADD COLUMN and CREATE INDEX only: every row stays in place.
 */
export class RenderOrder1764320000000 implements MigrationInterface {
  name = 'RenderOrder1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "worker" text`);
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "sent_at" datetime`);
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "render_next_at" datetime`);
    await queryRunner.query(
      `CREATE INDEX "idx_suggestions_user_sent" ON "suggestions" ("user_id", "sent_at") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_suggestions_user_sent"`);
    await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "render_next_at"`);
    await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "sent_at"`);
    await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "worker"`);
  }
}
