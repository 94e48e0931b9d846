import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/**
 * SQLite through TypeORM 0.3 and sqlite3. WAL lets readers (the claim-link CLI, a backup) work beside the
 * running gateway; the busy timeout makes a concurrent writer wait instead of failing at once.
 * The schema comes from committed migrations, run at start; never `synchronize`.
 */
export function buildDataSourceOptions(databasePath: string): DataSourceOptions {
  if (databasePath !== ':memory:') mkdirSync(dirname(databasePath), { recursive: true });
  return {
    type: 'sqlite',
    database: databasePath,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: databasePath !== ':memory:',
    busyTimeout: 5000,
    logging: ['error'],
  };
}
