import { Injectable } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';

/**
 * TypeORM shares one SQLite connection, so two transactions at once interleave on it and corrupt each
 * other, and a plain write issued during someone else's transaction would be rolled back with it.
 * Every write in the gateway goes through this single queue; reads do not need it.
 */
@Injectable()
export class SerialWriter {
  private readonly mutex = new Mutex();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` alone, inside a transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(() => this.dataSource.transaction(work));
  }

  /** Runs a single write statement (or a few that need no atomicity) alone, without a transaction. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(() => work(this.dataSource.manager));
  }
}
