import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "colour_name" text NOT NULL, "colour_hex" text NOT NULL, "colour_index" integer NOT NULL, "role" text NOT NULL DEFAULT ('guest'), "banned" boolean NOT NULL DEFAULT (0), "created_at" datetime NOT NULL, "last_seen_at" datetime NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_colour_name" ON "users" ("colour_name") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_colour_index" ON "users" ("colour_index") `);
    await queryRunner.query(
      `CREATE TABLE "user_fingerprints" ("fingerprint_key" text NOT NULL, "user_id" integer NOT NULL, "last_seen_at" datetime NOT NULL, CONSTRAINT "FK_8b6d78d6a513d7db4f619da00cc" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("fingerprint_key", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_user_fingerprints_key" ON "user_fingerprints" ("fingerprint_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "admin_devices" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "fingerprint_key" text NOT NULL, "enrolled_at" datetime NOT NULL, CONSTRAINT "FK_ed695458c72482066cca655f967" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_admin_devices_user_key" ON "admin_devices" ("user_id", "fingerprint_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "claim_tokens" ("token_hash" text PRIMARY KEY NOT NULL, "created_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "used_at" datetime)`,
    );
    await queryRunner.query(
      `CREATE TABLE "sessions" ("sid" text PRIMARY KEY NOT NULL, "expires_at" integer NOT NULL, "data" text NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_sessions_expires_at" ON "sessions" ("expires_at") `);
    await queryRunner.query(`CREATE TABLE "settings" ("key" text PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
    await queryRunner.query(
      `CREATE TABLE "suggestions" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "prompt" text NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "status" text NOT NULL DEFAULT ('pending'), "submitted_at" datetime NOT NULL, "decided_at" datetime, "decided_by_id" integer, "queued_at" datetime, "rendering_at" datetime, "rendered_at" datetime, "failed_at" datetime, "failure_reason" text, "seed" integer, "image_file" text, CONSTRAINT "FK_d5f8b29a35d481f2c4200dae9e8" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_950e44967d1a0cba062a4fe0ee7" FOREIGN KEY ("decided_by_id") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_suggestions_user_id" ON "suggestions" ("user_id", "id") `);
    await queryRunner.query(`CREATE INDEX "idx_suggestions_status_id" ON "suggestions" ("status", "id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'suggestions',
      'settings',
      'sessions',
      'claim_tokens',
      'admin_devices',
      'user_fingerprints',
      'users',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
