import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderation at party scale: word-list flags, automatic decisions with their rule, edits keeping the guest's
 * text, render review, trusted guests, and the audit log. Columns are added with ALTER TABLE and the log is
 * a new table: `users` and `suggestions` are never rebuilt, so no foreign key cascades.
 */
export class ModerationAtScale1764300000000 implements MigrationInterface {
  name = 'ModerationAtScale1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "trusted" boolean NOT NULL DEFAULT (0)`);
    for (const column of ['decision_rule', 'flagged_words', 'original_prompt', 'render_review']) {
      await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "${column}" text`);
    }
    await queryRunner.query(`ALTER TABLE "suggestions" ADD COLUMN "reviewed_at" datetime`);
    await queryRunner.query(`CREATE INDEX "idx_suggestions_decided_at" ON "suggestions" ("decided_at") `);
    await queryRunner.query(
      `CREATE INDEX "idx_suggestions_render_review" ON "suggestions" ("render_review", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" datetime NOT NULL, "kind" text NOT NULL, "action" text NOT NULL, "actor_id" integer, "actor_name" text, "actor_colour_hex" text, "rule" text, "suggestion_id" integer, "subject_user_id" integer, "subject_name" text, "summary" text NOT NULL, "details" text)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_audit_log_kind_id" ON "audit_log" ("kind", "id") `);
    await queryRunner.query(`CREATE INDEX "idx_audit_log_actor_id" ON "audit_log" ("actor_id", "id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP INDEX "idx_suggestions_render_review"`);
    await queryRunner.query(`DROP INDEX "idx_suggestions_decided_at"`);
    for (const column of ['reviewed_at', 'render_review', 'original_prompt', 'flagged_words', 'decision_rule']) {
      await queryRunner.query(`ALTER TABLE "suggestions" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "trusted"`);
  }
}
