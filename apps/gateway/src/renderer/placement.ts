import { remainingMs, type RenderTimes } from './render-times.service.js';
import type { WorkerView } from './renderer-pool.service.js';
import type { WorkBoard } from './work-board.js';

/**
 * Expected milliseconds until a worker has done everything it holds: the job it renders by its progress,
 * then each one behind it. `each` hears when each held job is expected to be done, from now.
 */
export function backlogMs(
  worker: WorkerView,
  board: WorkBoard,
  times: RenderTimes,
  each?: (job: { id: number; userId: number }, doneInMs: number) => void,
): number {
  const current = worker.status.current;
  let total = 0;
  for (const job of board.jobs(worker.key)) {
    const estimate = times.estimateMs(worker.key, job.width, job.height);
    total += current?.suggestionId === job.id ? remainingMs(current, estimate) : estimate;
    each?.(job, total);
  }
  return total;
}

/**
 * The worker where a job of this size is expected to finish soonest, given when each is free (`freeAt`,
 * milliseconds from now), among those `canTake` allows; undefined when none can.
 */
export function soonestWorker(
  workers: readonly WorkerView[],
  freeAt: ReadonlyMap<string, number>,
  times: RenderTimes,
  size: { width: number; height: number },
  canTake: (worker: WorkerView) => boolean = () => true,
): { worker: WorkerView; finishMs: number } | undefined {
  let best: { worker: WorkerView; finishMs: number } | undefined;
  for (const worker of workers) {
    if (!canTake(worker)) continue;
    const finishMs = freeAt.get(worker.key)! + times.estimateMs(worker.key, size.width, size.height);
    if (!best || finishMs < best.finishMs) best = { worker, finishMs };
  }
  return best;
}
