import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderOrderRepository, type WaitingRow } from '../suggestions/render-order.repository.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { HandOver } from './hand-over.service.js';
import { JobSender } from './job-sender.service.js';
import { backlogMs, soonestWorker } from './placement.js';
import { RenderTimes } from './render-times.service.js';
import { RendererPool, type RendererConnection, type WorkerView } from './renderer-pool.service.js';
import { Upcoming } from './upcoming.service.js';
import { WorkBoard, type BoardJob } from './work-board.js';

/** Work kept queued on each worker behind the job it renders: enough that it never idles between jobs. */
const AHEAD_MS = 1_000;
/** …but never more jobs than this ahead (an SD double that answers at once), and never fewer than one. */
const MAX_AHEAD = 32;
/** How often lost workers are looked for. */
const CHECK_INTERVAL_MS = 250;

/**
 * Hands approved suggestions to workers (SD servers of the renderers). The gateway's database is the source
 * of truth; each suggestion records the worker it went to, and the WorkBoard remembers it.
 * - Each worker keeps only a short queue: the job it renders and about a second of work behind it (at
 *   least one job), so a faster GPU, a Render next or the fair order takes effect within a job or two.
 * - The next job is the first of the fair order (Upcoming, read ahead from RenderOrderRepository); it goes
 *   to the worker where it is expected to finish soonest: the measured time of the work ahead there plus its
 *   own time there, per worker and image size (RenderTimes).
 * - Workers that cannot work hand their jobs back after the grace period (HandOver).
 * - When a renderer's link comes (back) up it is resynced (JobSender).
 * Overlapping calls are coalesced: a dispatch asked for while one runs runs once more after it.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
  private loaded = false;
  private readonly resyncDue = new Set<string>();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: RendererPool,
    private readonly board: WorkBoard,
    private readonly order: RenderOrderRepository,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly live: LiveEventsService,
    private readonly times: RenderTimes,
    private readonly handOver: HandOver,
    private readonly sender: JobSender,
    private readonly upcoming: Upcoming,
  ) {}

  onApplicationBootstrap(): void {
    // A link may already be up (the pool starts first): every renderer is due a resync once it is.
    for (const connection of this.pool.connections) this.resyncDue.add(connection.key);
    this.pool.onUp((connection) => {
      this.resyncDue.add(connection.key);
      void this.dispatch();
    });
    // A worker finished, was paused or resumed, or its SD server came back.
    this.pool.onChange(() => this.nudge());
    this.subscription = this.live.suggestions().subscribe((event) => {
      if (event.type === 'suggestion.status') {
        if (event.status !== 'queued' && event.status !== 'rendering') this.board.remove(event.suggestionId);
        if (event.status === 'approved' || event.status === 'rendered' || event.status === 'failed')
          this.nudge();
      } else if (event.type === 'suggestion.removed') {
        this.board.remove(event.suggestionId);
        this.nudge();
      } else if (event.type === 'suggestion.reordered') {
        this.nudge();
      }
    });
    // Lost workers are noticed by time passing, and a resync that failed is tried again.
    this.timer = setInterval(() => {
      if (this.resyncDue.size > 0 || this.handOver.due(this.pool.workers()).length > 0) this.nudge();
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
  }

  nudge(): void {
    if (this.pool.anyConnected) void this.dispatch();
  }

  dispatch(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.step().catch((error: unknown) =>
            this.logger.error(`Dispatching failed: ${(error as Error).stack ?? String(error)}`),
          );
        } while (this.again && this.pool.anyConnected && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Free places on a worker: the job it renders plus about AHEAD_MS of work behind it, minus what it has. */
  freeSlots(worker: WorkerView): number {
    const typicalMs = Math.max(1, this.times.estimateMs(worker.key, 512, 512));
    const ahead = Math.min(MAX_AHEAD, Math.max(1, Math.ceil(AHEAD_MS / typicalMs)));
    return 1 + ahead - this.board.count(worker.key);
  }

  private async step(): Promise<void> {
    if (!this.loaded) await this.load();
    const workers = this.pool.workers();
    await this.handOver.takeBack(workers);
    // A copy: a failed resync puts its key back, which must wait for the next round.
    for (const key of Array.from(this.resyncDue)) {
      const connection = this.pool.connection(key);
      if (!connection?.link.connected) continue;
      this.resyncDue.delete(key);
      await this.guarded(
        connection,
        () => this.sender.resync(connection, workers),
        () => this.resyncDue.add(key),
      );
    }
    await this.fill(this.pool.workers());
  }

  /** The board from the database; suggestions marked sent before workers were recorded wait again. */
  private async load(): Promise<void> {
    this.board.clear();
    for (const row of await this.order.listAssigned()) this.board.add(row.worker, row);
    const unrecorded = await this.order.listUnfinishedWithoutWorker();
    if (unrecorded.length > 0) await this.lifecycle.handOver(unrecorded, null);
    this.upcoming.forget();
    this.loaded = true;
  }

  /** Fills every usable worker's free places from the fair order, each job where it finishes soonest. */
  private async fill(workers: WorkerView[]): Promise<void> {
    const usable = workers.filter((worker) => worker.usable);
    const free = new Map<string, number>();
    let total = 0;
    for (const worker of usable) {
      const slots = this.freeSlots(worker);
      if (slots <= 0) continue;
      free.set(worker.key, slots);
      total += slots;
    }
    if (total === 0) return;
    const waiting = await this.upcoming.next(total);
    if (waiting.length === 0) return;
    const busyUntil = new Map(
      usable.map((worker) => [worker.key, backlogMs(worker, this.board, this.times)]),
    );
    const plan = new Map<WorkerView, WaitingRow[]>();
    for (const row of waiting) {
      const best = soonestWorker(usable, busyUntil, this.times, row, (w) => (free.get(w.key) ?? 0) > 0);
      if (!best) break;
      free.set(best.worker.key, free.get(best.worker.key)! - 1);
      busyUntil.set(best.worker.key, best.finishMs);
      const rows = plan.get(best.worker) ?? [];
      rows.push(row);
      plan.set(best.worker, rows);
    }
    this.upcoming.taken([...plan.values()].flat().map((row) => row.id));
    const at = new Date();
    for (const [worker, rows] of plan) {
      const assigned = new Set(
        await this.order.assign(
          rows.map((row) => row.id),
          worker.key,
          at,
        ),
      );
      const jobs: BoardJob[] = rows.filter((row) => assigned.has(row.id));
      for (const job of jobs) this.board.add(worker.key, job);
      await this.guarded(worker.connection, () =>
        this.sender.send(
          worker.connection,
          worker.index,
          worker.key,
          jobs.map((job) => job.id),
        ),
      );
    }
  }

  /** Runs work that talks to one renderer; a failure is that link's to report, and never stops the rest. */
  private async guarded(
    connection: RendererConnection,
    work: () => Promise<void>,
    onFailure?: () => void,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      onFailure?.();
      connection.link.reportFailure(error);
    }
  }
}
