import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { buildDataSourceOptions } from './data-source.js';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema.js';
import { AccountsAndImagePrompts1764100000000 } from './migrations/1764100000000-accounts-and-image-prompts.js';
import { SuggestionLifecycle1764200000000 } from './migrations/1764200000000-suggestion-lifecycle.js';
import { MIGRATIONS } from './migrations/index.js';

describe('database (real SQLite file)', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('migrates a new file to exactly the schema the entities describe, in WAL mode', async () => {
    const dataSource = new DataSource(buildDataSourceOptions(join(temp.dir, 'fresh', 'v.sqlite')));
    await dataSource.initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      const [{ journal_mode }] = await dataSource.query('PRAGMA journal_mode');
      expect(journal_mode).toBe('wal');
      const [{ foreign_keys }] = await dataSource.query('PRAGMA foreign_keys');
      expect(foreign_keys).toBe(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it('runs migrations once: a second start finds nothing to do', async () => {
    const path = join(temp.dir, 'twice', 'v.sqlite');
    for (let run = 0; run < 2; run++) {
      const dataSource = new DataSource(buildDataSourceOptions(path));
      await dataSource.initialize();
      const rows = await dataSource.query('SELECT name FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
      await dataSource.destroy();
    }
  });

  it('keeps every guest, prompt and fingerprint through the accounts migration', async () => {
    const path = join(temp.dir, 'upgrade', 'v.sqlite');
    const before = new DataSource({ ...buildDataSourceOptions(path), migrations: [InitialSchema1764000000000] });
    await before.initialize();
    await before.query(
      `INSERT INTO users (colour_name, colour_hex, colour_index, role, banned, created_at, last_seen_at) VALUES ('coral', '#ff7f50', 16, 'guest', 0, '2026-01-01 10:00:00.000', '2026-01-01 10:00:00.000')`,
    );
    await before.query(`INSERT INTO user_fingerprints VALUES ('k', 1, '2026-01-01 10:00:00.000')`);
    await before.query(
      `INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at) VALUES (1, 'a fox', 512, 512, 'pending', '2026-01-01 10:00:00.000')`,
    );
    await before.destroy();
    const after = new DataSource({
      ...buildDataSourceOptions(path),
      migrations: [InitialSchema1764000000000, AccountsAndImagePrompts1764100000000],
    });
    await after.initialize();
    try {
      expect(await after.query('SELECT colour_name, username FROM users')).toEqual([{ colour_name: 'coral', username: null }]);
      expect(await after.query('SELECT prompt, init_image_file FROM suggestions')).toEqual([{ prompt: 'a fox', init_image_file: null }]);
      expect(await after.query('SELECT COUNT(*) AS n FROM user_fingerprints')).toEqual([{ n: 1 }]);
    } finally {
      await after.destroy();
    }
  });

  it('upgrades a populated database of the previous schema to the lifecycle schema with nothing lost', async () => {
    const path = join(temp.dir, 'lifecycle', 'v.sqlite');
    const before = new DataSource({
      ...buildDataSourceOptions(path),
      migrations: [InitialSchema1764000000000, AccountsAndImagePrompts1764100000000],
    });
    await before.initialize();
    const at = '2026-11-01 20:00:00.000';
    await before.query(
      `INSERT INTO users (colour_name, colour_hex, colour_index, role, banned, created_at, last_seen_at, username, email)
       VALUES ('coral', '#ff7f50', 16, 'guest', 0, ?, ?, NULL, NULL), ('navy', '#000080', 90, 'admin', 0, ?, ?, 'host', 'host@example.org')`,
      [at, at, at, at],
    );
    const statuses = ['pending', 'approved', 'denied', 'queued', 'rendering', 'rendered', 'failed'];
    for (const [i, status] of statuses.entries()) {
      await before.query(
        `INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, decided_at, decided_by_id,
           rendered_at, failure_reason, seed, init_image_file, image_file)
         VALUES (1, ?, 512, 768, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          `prompt ${i}`,
          status,
          at,
          status === 'pending' ? null : at,
          status === 'pending' ? null : 2,
          status === 'rendered' ? at : null,
          status === 'failed' ? 'CUDA out of memory' : null,
          status === 'rendered' ? 1234 : null,
          i % 2 === 0 ? `${i + 1}.png` : null,
          status === 'rendered' ? `${i + 1}.png` : null,
        ],
      );
    }
    const rowsBefore = await before.query(
      `SELECT id, user_id, prompt, width, height, status, submitted_at, decided_at, decided_by_id, rendered_at,
         failure_reason, seed, init_image_file AS picture, image_file FROM suggestions ORDER BY id`,
    );
    await before.destroy();

    const after = new DataSource(buildDataSourceOptions(path));
    await after.initialize();
    try {
      const rowsAfter = await after.query(
        `SELECT id, user_id, prompt, width, height, status, submitted_at, decided_at, decided_by_id, rendered_at,
           failure_reason, seed, picture_file AS picture, image_file FROM suggestions ORDER BY id`,
      );
      expect(rowsAfter).toEqual(rowsBefore);
      expect(rowsAfter).toHaveLength(7);
      expect(await after.query('SELECT DISTINCT decision_reason FROM suggestions')).toEqual([{ decision_reason: null }]);
      expect(await after.query('SELECT username FROM users ORDER BY id')).toEqual([{ username: null }, { username: 'host' }]);
      expect((await after.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      const [{ foreign_key_check }] = (await after.query('PRAGMA foreign_key_check')).concat([{ foreign_key_check: 'ok' }]);
      expect(foreign_key_check).toBe('ok');
    } finally {
      await after.destroy();
    }
  });

  it('upgrades a party in progress from the lifecycle schema to today: nothing lost, nobody trusted, no job assigned yet', async () => {
    const path = join(temp.dir, 'moderation', 'v.sqlite');
    const before = new DataSource({
      ...buildDataSourceOptions(path),
      migrations: [
        InitialSchema1764000000000,
        AccountsAndImagePrompts1764100000000,
        SuggestionLifecycle1764200000000,
      ],
    });
    await before.initialize();
    const at = '2026-11-01 20:00:00.000';
    await before.query(
      `INSERT INTO users (colour_name, colour_hex, colour_index, role, banned, created_at, last_seen_at, username, email)
       VALUES ('coral', '#ff7f50', 16, 'guest', 1, ?, ?, NULL, NULL), ('navy', '#000080', 90, 'admin', 0, ?, ?, 'host', 'host@example.org')`,
      [at, at, at, at],
    );
    await before.query(`INSERT INTO user_fingerprints VALUES ('k', 1, ?)`, [at]);
    await before.query(`INSERT INTO settings (key, value) VALUES ('revealed', 'true')`);
    const statuses = ['pending', 'approved', 'denied', 'queued', 'rendering', 'rendered', 'failed'];
    for (const [i, status] of statuses.entries()) {
      await before.query(
        `INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, decided_at, decided_by_id,
           rendered_at, failure_reason, decision_reason, seed, picture_file, image_file)
         VALUES (1, ?, 512, 768, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          `prompt ${i}`,
          status,
          at,
          status === 'pending' ? null : at,
          status === 'pending' ? null : 2,
          status === 'rendered' ? at : null,
          status === 'failed' ? 'CUDA out of memory' : null,
          status === 'denied' ? 'Its author was banned by the host.' : null,
          status === 'rendered' ? 1234 : null,
          i % 2 === 0 ? `${i + 1}.png` : null,
          status === 'rendered' ? `${i + 1}.png` : null,
        ],
      );
    }
    const suggestionsBefore = await before.query(`SELECT * FROM suggestions ORDER BY id`);
    const usersBefore = await before.query(`SELECT * FROM users ORDER BY id`);
    await before.destroy();

    const after = new DataSource(buildDataSourceOptions(path));
    await after.initialize();
    try {
      const suggestionsAfter = await after.query(`SELECT * FROM suggestions ORDER BY id`);
      expect(suggestionsAfter).toHaveLength(7);
      expect(suggestionsAfter).toEqual(
        suggestionsBefore.map((row: object) => ({
          ...row,
          decision_rule: null,
          flagged_words: null,
          original_prompt: null,
          render_review: null,
          reviewed_at: null,
          worker: null,
          sent_at: null,
          render_next_at: null,
        })),
      );
      // Nobody is trusted until a moderator says so.
      expect(await after.query(`SELECT * FROM users ORDER BY id`)).toEqual(
        usersBefore.map((row: object) => ({ ...row, trusted: 0, session_epoch: 0 })),
      );
      expect(await after.query('SELECT COUNT(*) AS n FROM user_fingerprints')).toEqual([{ n: 1 }]);
      expect(await after.query('SELECT value FROM settings')).toEqual([{ value: 'true' }]);
      expect(await after.query('SELECT COUNT(*) AS n FROM audit_log')).toEqual([{ n: 0 }]);
      expect((await after.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      expect(await after.query('PRAGMA foreign_key_check')).toEqual([]);
      // Each author's last turn in the fair order is found through an index, not a scan.
      const plan = await after.query(`EXPLAIN QUERY PLAN SELECT MAX(sent_at) FROM suggestions WHERE user_id = 1`);
      expect(JSON.stringify(plan)).toContain('idx_suggestions_user_sent');
    } finally {
      await after.destroy();
    }
  });
});
