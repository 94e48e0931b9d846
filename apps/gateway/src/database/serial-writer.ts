import { Injectable } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';
import { Sql } from './sql.service.js';

/**
 * TypeORM shares one SQLite connection, so two transactions at once interleave on it and corrupt each
 * other, and a plain write issued during someone else's transaction would be rolled back with it.
 * Every write in the gateway goes through this single queue; reads do not need it.
 */
@Injectable()
export class SerialWriter {
  private readonly mutex = new Mutex();

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
  ) {}

  /** Runs `work` alone, inside a transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(() => this.dataSource.transaction(work));
  }

  /** Runs a single write statement (or a few that need no atomicity) alone, without a transaction. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(() => work(this.dataSource.manager));
  }

  /** Runs prepared statements (Sql) alone, without a transaction. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(work);
  }

  /**
   * Runs prepared statements (Sql) alone and all-or-nothing: a transition and its audit entry are kept
   * together or not at all.
   */
  atomic<T>(work: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      await this.sql.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        await this.sql.exec('COMMIT');
        return result;
      } catch (error) {
        await this.sql.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Group commit: writes queued while the writer is busy run together in one transaction when their turn
   * comes, so a burst of 100 costs one commit instead of 100. Each item succeeds or fails on its own
   * (a failing statement does not roll back the others).
   */
  groupCommit<I, O>(runOne: (item: I) => Promise<O>): (item: I) => Promise<O> {
    type Entry = { item: I; resolve: (value: O) => void; reject: (error: unknown) => void };
    let waiting: Entry[] = [];
    const flush = async () => {
      const batch = waiting;
      waiting = [];
      if (batch.length === 1) {
        // Alone, the statement is its own transaction: no BEGIN and COMMIT round trips.
        const [entry] = batch;
        await runOne(entry.item).then(entry.resolve, entry.reject);
        return;
      }
      const outcomes: ({ ok: true; value: O } | { ok: false; error: unknown })[] = [];
      try {
        await this.sql.exec('BEGIN IMMEDIATE');
        for (const entry of batch) {
          try {
            outcomes.push({ ok: true, value: await runOne(entry.item) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        await this.sql.exec('COMMIT');
      } catch (error) {
        // Nothing of this batch is kept, so nobody may be told it was.
        await this.sql.exec('ROLLBACK').catch(() => undefined);
        for (const entry of batch) entry.reject(error);
        return;
      }
      batch.forEach((entry, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(outcome.error);
      });
    };
    return (item) =>
      new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length === 1) void this.mutex.runExclusive(flush);
      });
  }
}
