import { describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { SerialWriter } from './serial-writer.js';
import type { Sql } from './sql.service.js';

/** Group commit, with the statements recorded instead of run. */
function writer() {
  const log: string[] = [];
  const sql = { exec: async (statement: string) => void log.push(statement) } as unknown as Sql;
  return { writer: new SerialWriter({} as DataSource, sql), log };
}

describe('SerialWriter.groupCommit', () => {
  it('runs one write alone as it is, and a burst in one transaction, each item with its own outcome', async () => {
    const { writer: serial, log } = writer();
    const insert = serial.groupCommit(async (n: number) => {
      log.push(`insert ${n}`);
      if (n === 3) throw new Error('refused');
      return n * 10;
    });
    expect(await insert(1)).toBe(10);
    expect(log).toEqual(['insert 1']);
    log.length = 0;
    // Held behind another write, a burst queues up and goes in together.
    const blocker = serial.exclusive(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const burst = [2, 3, 4, 5].map((n) => insert(n).catch((error: Error) => error.message));
    await blocker;
    expect(await Promise.all(burst)).toEqual([20, 'refused', 40, 50]);
    expect(log).toEqual(['BEGIN IMMEDIATE', 'insert 2', 'insert 3', 'insert 4', 'insert 5', 'COMMIT']);
  });

  it('tells nobody their write was kept when the commit fails', async () => {
    const log: string[] = [];
    const sql = {
      exec: async (statement: string) => {
        log.push(statement);
        if (statement === 'COMMIT') throw new Error('disk full');
      },
    } as unknown as Sql;
    const serial = new SerialWriter({} as DataSource, sql);
    const insert = serial.groupCommit(async (n: number) => n);
    const blocker = serial.exclusive(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const burst = [1, 2].map((n) => insert(n).catch((error: Error) => error.message));
    await blocker;
    expect(await Promise.all(burst)).toEqual(['disk full', 'disk full']);
    expect(log).toEqual(['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK']);
  });
});

describe('SerialWriter.atomic', () => {
  it('keeps all of the work or none of it, alone on the connection', async () => {
    const { writer: serial, log } = writer();
    expect(await serial.atomic(async () => (log.push('update', 'audit'), 'done'))).toBe('done');
    expect(log).toEqual(['BEGIN IMMEDIATE', 'update', 'audit', 'COMMIT']);
    log.length = 0;
    await expect(
      serial.atomic(async () => {
        log.push('update');
        throw new Error('audit refused');
      }),
    ).rejects.toThrow('audit refused');
    expect(log).toEqual(['BEGIN IMMEDIATE', 'update', 'ROLLBACK']);
  });
});
