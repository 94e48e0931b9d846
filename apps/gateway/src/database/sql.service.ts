import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Database, Statement } from 'sqlite3';
import { DataSource } from 'typeorm';

export type SqlParam = string | number | null;

/**
 * Prepared statements on the SQLite connection TypeORM opened, for the statements that run on every
 * guest request or every transition: no query builder, no entity hydration, and `RETURNING` rows come
 * back (TypeORM's sqlite runner drops them for UPDATE). Only repositories use this, and every write still
 * goes through SerialWriter.
 */
@Injectable()
export class Sql implements OnModuleDestroy {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly dataSource: DataSource) {}

  all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const statement = this.prepared(sql);
    return new Promise((resolve, reject) =>
      statement.all(params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))),
    );
  }

  async get<T>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** A statement without rows; how many rows it changed. */
  run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    const statement = this.prepared(sql);
    return new Promise((resolve, reject) =>
      statement.run(params, function (this: { changes: number }, error: Error | null) {
        if (error) reject(error);
        else resolve(this.changes);
      }),
    );
  }

  /** Unprepared, for BEGIN/COMMIT/ROLLBACK. */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  /** The connection cannot close while statements are open; this runs before TypeORM closes it. */
  async onModuleDestroy(): Promise<void> {
    const open = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(open.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
  }

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private get db(): Database {
    return (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  }
}

/** SQLite's text form of a date, as TypeORM stores `datetime` columns (UTC, no zone letter). */
export function toSqliteDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The reverse of toSqliteDate. */
export function fromSqliteDate(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
