import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { backlogMs, soonestWorker } from './placement.js';
import { RenderTimes } from './render-times.service.js';
import { RendererPool } from './renderer-pool.service.js';
import { WorkBoard } from './work-board.js';

/** Estimates are worked out again at most this often, however busy the party. */
const MIN_INTERVAL_MS = 1_000;
/** …and at least this often while anything waits, since waits shrink as time passes. */
const REFRESH_MS = 5_000;
const MINUTE_MS = 60_000;

interface Estimate {
  userId: number;
  /** Expected milliseconds from `computedAt` until it is rendered. */
  ms: number;
}

/** "about N minutes", as the guest page says it (never less than one minute). */
export function minutesOf(ms: number): number {
  return Math.max(1, Math.round(ms / MINUTE_MS));
}

/** What the guest page says: "about 1 minute", "about 5 minutes"; null without an estimate. */
export function aboutMinutes(minutes: number | null): string | null {
  if (minutes === null) return null;
  return minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
}

/**
 * How long each approved suggestion is expected to wait, from the measured render times and the work ahead
 * of it: what every usable worker holds (the job it renders by its progress, then its short queue), then
 * the fair order handed out, each job to the worker where it would finish soonest, as the dispatcher does.
 * Work held by a worker that cannot work goes first, as it will once handed over. Nothing is estimated
 * before any image was measured or while no worker can work.
 *
 * One computation for everybody (one read of the order; no query per suggestion); a guest is told,
 * through a `wait.changed` hint, when the whole minutes of one of their suggestions change.
 */
@Injectable()
export class WaitEstimates implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WaitEstimates');
  private estimates = new Map<number, Estimate>();
  private computedAt = 0;
  private totalMs: number | null = null;
  private waiting = 0;
  /** What each guest was last told, per suggestion. */
  private readonly told = new Map<number, { userId: number; minutes: number | null }>();
  private scheduled: NodeJS.Timeout | null = null;
  private computing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private stopped = false;

  constructor(
    private readonly pool: RendererPool,
    private readonly board: WorkBoard,
    private readonly order: RenderOrderRepository,
    private readonly times: RenderTimes,
    private readonly live: LiveEventsService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.live.suggestions().subscribe(() => this.schedule());
    this.pool.onChange(() => this.schedule());
    this.timer = setInterval(() => {
      if (this.waiting > 0 || this.told.size > 0) this.schedule();
    }, REFRESH_MS);
    this.timer.unref();
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
    if (this.scheduled) clearTimeout(this.scheduled);
  }

  /** Expected minutes until this suggestion is rendered, or null when there is no estimate. */
  minutesFor(suggestionId: number): number | null {
    const estimate = this.estimates.get(suggestionId);
    return estimate ? minutesOf(estimate.ms - (Date.now() - this.computedAt)) : null;
  }

  /** Expected time until everything approved is rendered, and how many suggestions that is. */
  summary(): { minutes: number | null; prompts: number } {
    const left = this.totalMs === null ? null : this.totalMs - (Date.now() - this.computedAt);
    return { minutes: left === null ? null : left <= 0 ? 0 : minutesOf(left), prompts: this.waiting };
  }

  /** Works the estimates out now (tests; the app schedules it by itself). */
  refresh(): Promise<void> {
    if (this.computing) return this.computing.then(() => this.refresh());
    this.computing = this.compute()
      .catch((error: unknown) => this.logger.warn(`Could not estimate waits: ${(error as Error).message}`))
      .finally(() => {
        this.computing = null;
      });
    return this.computing;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    const wait = Math.max(0, this.computedAt + MIN_INTERVAL_MS - Date.now());
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      void this.refresh();
    }, wait);
    this.scheduled.unref();
  }

  private async compute(): Promise<void> {
    const board = this.board;
    const waitingRows = await this.order.fairOrder(-1);
    const now = Date.now();
    const workers = this.pool.workers().filter((worker) => worker.usable);
    const known = new Set<number>(waitingRows.map((row) => row.id));
    const estimates = new Map<number, Estimate>();
    let totalMs: number | null = null;
    const stranded: { id: number; userId: number; width: number; height: number }[] = [];
    for (const key of board.workers()) {
      const usable = workers.some((worker) => worker.key === key);
      for (const job of board.jobs(key)) {
        known.add(job.id);
        if (!usable) stranded.push(job);
      }
    }
    if (workers.length > 0 && this.times.measured) {
      const freeAt = new Map<string, number>();
      for (const worker of workers) {
        const at = backlogMs(worker, board, this.times, (job, doneInMs) =>
          estimates.set(job.id, { userId: job.userId, ms: doneInMs }),
        );
        freeAt.set(worker.key, at);
      }
      for (const row of [...stranded, ...waitingRows]) {
        const best = soonestWorker(workers, freeAt, this.times, row)!;
        freeAt.set(best.worker.key, best.finishMs);
        estimates.set(row.id, { userId: row.userId, ms: best.finishMs });
      }
      totalMs = Math.max(0, ...freeAt.values());
    }
    this.estimates = estimates;
    this.computedAt = now;
    this.totalMs = totalMs;
    this.waiting = known.size;
    this.tell(estimates, known);
  }

  /** A hint to each guest whose suggestion's minutes changed (null: no estimate any more). */
  private tell(estimates: Map<number, Estimate>, known: Set<number>): void {
    for (const [suggestionId, { userId, ms }] of estimates) {
      const minutes = minutesOf(ms);
      if (this.told.get(suggestionId)?.minutes === minutes) continue;
      this.told.set(suggestionId, { userId, minutes });
      this.live.emit({ type: 'wait.changed', suggestionId, userId, minutes });
    }
    for (const [suggestionId, { userId, minutes }] of this.told) {
      if (!known.has(suggestionId)) {
        this.told.delete(suggestionId);
      } else if (!estimates.has(suggestionId) && minutes !== null) {
        this.told.set(suggestionId, { userId, minutes: null });
        this.live.emit({ type: 'wait.changed', suggestionId, userId, minutes: null });
      }
    }
  }
}
