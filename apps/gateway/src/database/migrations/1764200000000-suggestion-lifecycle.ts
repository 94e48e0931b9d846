import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One name per thing: a suggestion's img2img picture is `picture_file` (it was `init_image_file`), and a
 * denial can record why (`decision_reason`, e.g. the author was banned). RENAME COLUMN and ADD COLUMN keep
 * every row in place; no table is rebuilt, so no foreign key cascades.
 */
export class SuggestionLifecycle1764200000000 implements MigrationInterface {
  name = 'SuggestionLifecycle1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "suggestions" RENAME COLUMN "init_image_file" TO "picture_file"`);
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "decision_reason" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "decision_reason"`);
    await queryRunner.query(`ALTER TABLE "suggestions" RENAME COLUMN "picture_file" TO "init_image_file"`);
  }
}
