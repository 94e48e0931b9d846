import { SerialWriter } from '../apps/gateway/src/database/serial-writer.js';
import { Sql, toSqliteDate } from '../apps/gateway/src/database/sql.service.js';
import { RenderOrderRepository } from '../apps/gateway/src/suggestions/render-order.repository.js';
import { colourForIndex } from '../apps/gateway/src/users/colours.js';
import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { benchGatewayEnv, startGateway } from './lib/gateway.js';
import { ms, ratio, seededRandom, summarise } from './lib/stats.js';
import { printTable } from './lib/table.js';
import { withTempDir } from './lib/temp-dir.js';

const GUESTS = 500;
const APPROVED = 1_200;
/** Prompts already drawn, so every author has a last turn to go by. */
const RENDERED = 600;
const SAMPLES = 100;
const WARMUP = 10;
const INSERT_BATCH = 400;

/**
 * The fair order at the size DESIGN.md plans for (500 guests, 1,200 approved prompts): the dispatcher's read
 * (the next few) and the wait estimates' read (all of them), each one statement on the indexes.
 */
async function runOrder(): Promise<QualityCheck[]> {
  return withTempDir('vernissage-bench-order-', async (dir) => {
    const gateway = await startGateway(benchGatewayEnv(dir));
    try {
      const random = seededRandom(12);
      const at = (minutesAgo: number) => toSqliteDate(new Date(Date.now() - minutesAgo * 60_000));
      await gateway.app.get(SerialWriter).transaction(async (manager) => {
        for (let start = 0; start < GUESTS; start += INSERT_BATCH) {
          const ids = Array.from({ length: Math.min(INSERT_BATCH, GUESTS - start) }, (_, i) => start + i + 1);
          await manager.query(
            `INSERT INTO users (id, colour_name, colour_hex, colour_index, role, banned, created_at, last_seen_at)
             VALUES ${ids.map(() => "(?, ?, ?, ?, 'guest', 0, ?, ?)").join(', ')}`,
            ids.flatMap((id) => {
              const colour = colourForIndex(id - 1);
              return [id, colour.name, colour.hex, colour.index, at(120), at(1)];
            }),
          );
        }
        // Guests send unevenly: a few send many (as a party goes), most one to three.
        const rows: (string | number | null)[][] = [];
        for (let i = 0; i < APPROVED + RENDERED; i++) {
          const author = random() < 0.2 ? 1 + Math.floor(random() * 20) : 1 + Math.floor(random() * GUESTS);
          const rendered = i < RENDERED;
          const minutesAgo = 120 - (i / (APPROVED + RENDERED)) * 110;
          rows.push([
            author,
            `bench prompt ${i}: a lighthouse on a cliff in a storm`,
            rendered ? 'rendered' : 'approved',
            at(minutesAgo),
            at(minutesAgo - 0.5),
            rendered ? `127.0.0.1:4001/${i % 4}` : null,
            rendered ? at(minutesAgo - 1) : null,
          ]);
        }
        for (let start = 0; start < rows.length; start += INSERT_BATCH) {
          const batch = rows.slice(start, start + INSERT_BATCH);
          await manager.query(
            `INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, decided_at, worker, sent_at)
             VALUES ${batch.map(() => '(?, ?, 512, 512, ?, ?, ?, ?, ?)').join(', ')}`,
            batch.flat(),
          );
        }
      });
      const order = gateway.app.get(RenderOrderRepository);
      const time = async (work: () => Promise<unknown>) => {
        for (let i = 0; i < WARMUP; i++) await work();
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          await work();
          samples.push(performance.now() - started);
        }
        return summarise(samples);
      };
      const all = await order.fairOrder(-1);
      if (all.length !== APPROVED) throw new Error(`fair order lists ${all.length} of ${APPROVED}`);
      const sql = gateway.app.get(Sql);
      // The baseline: first in, first out, the order before the fair one, through the same connection.
      const fifo = (limit: number) =>
        sql.all(
          `SELECT id, user_id AS userId, width, height FROM suggestions WHERE status = 'approved' ORDER BY id LIMIT ?`,
          [limit],
        );
      const next = await time(() => order.fairOrder(32));
      const nextFifo = await time(() => fifo(32));
      const whole = await time(() => order.fairOrder(-1));
      const wholeFifo = await time(() => fifo(-1));
      const plan = await sql.all<{ detail: string }>(
        `EXPLAIN QUERY PLAN SELECT MAX(sent_at) FROM suggestions WHERE user_id = 1`,
      );
      printTable(
        `Fair order at ${GUESTS} guests, ${APPROVED} approved prompts (${RENDERED} already drawn), ${SAMPLES} reads each`,
        ['read', 'median ms', 'p95 ms', 'max ms', 'FIFO median ms', 'ratio to FIFO'],
        [
          [
            'the next 32 (dispatcher)',
            ms(next.median),
            ms(next.p95),
            ms(next.max),
            ms(nextFifo.median),
            ratio(next.median / nextFifo.median),
          ],
          [
            `all ${APPROVED} (wait estimates, at most once a second)`,
            ms(whole.median),
            ms(whole.p95),
            ms(whole.max),
            ms(wholeFifo.median),
            ratio(whole.median / wholeFifo.median),
          ],
        ],
        [
          'One statement each (RenderOrderRepository.fairOrder): a window over the approved prompts on the',
          "(status, id) index, and each author's last turn from the (user_id, sent_at) index",
          `(${plan.map((row) => row.detail).join('; ')}).`,
          'FIFO: the same rows by id alone (the order before the fair one), same connection, same run.',
        ],
      );
      return [];
    } finally {
      await gateway.close();
    }
  });
}

export const orderBenchmark: Benchmark = {
  name: 'order',
  description: `the fair-order reads at ${GUESTS} guests and ${APPROVED} approved prompts`,
  run: runOrder,
};
