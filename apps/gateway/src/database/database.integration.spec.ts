import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { buildDataSourceOptions } from './data-source.js';

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
      expect(rows).toHaveLength(1);
      await dataSource.destroy();
    }
  });
});
