import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RendererPattern, type RenderJob } from '#contracts';
import type { Subscription } from 'rxjs';
import { GatewayConfig } from '../config/gateway.config.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { PictureService } from '../pictures/picture.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { RenderOrderRepository, type WaitingRow } from '../suggestions/render-order.repository.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { remainingMs, RenderTimes } from './render-times.service.js';
import {
  parseWorkerKey,
  RendererPool,
  type RendererConnection,
  type WorkerView,
} from './renderer-pool.service.js';
import { WorkBoard, type BoardJob } from './work-board.js';

/** Work kept queued on each worker behind the job it renders: enough that it never idles between jobs. */
const AHEAD_MS = 1_000;
/** …but never more jobs than this ahead (an SD double that answers at once), and never fewer than one. */
const MAX_AHEAD = 32;
/** How often lost workers are looked for. */
const CHECK_INTERVAL_MS = 250;
const ENQUEUE_BATCH = 200;
const MISSING_PICTURE = 'The picture for this prompt is missing.';

/**
 * Hands approved suggestions to workers (SD servers of the renderers). The gateway's database is the source
 * of truth; each suggestion records the worker it went to.
 * - Each worker keeps only a short queue: the job it renders and about a second of work behind it (at
 *   least one job), so a faster GPU, a Render next or the fair order takes effect within a job or two.
 * - The next job is the first of the fair order (RenderOrderRepository); it goes to the worker where it is
 *   expected to finish soonest: the measured time of the work ahead there plus its own time there, per
 *   worker and image size (RenderTimes).
 * - A worker that cannot work (its renderer gone, paused by the host, its SD server away) for longer than
 *   RENDERER_GRACE_MS hands its unfinished suggestions back (stopped there first if its renderer answers),
 *   and they go first to the others. A paused worker finishes the job it has started.
 * - When a renderer's link comes (back) up it gets its own unfinished jobs again (its queue is in memory,
 *   its enqueue idempotent), and is told to drop any it holds that went elsewhere meanwhile.
 * Overlapping calls are coalesced: a dispatch asked for while one runs runs once more after it.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
  readonly board = new WorkBoard();
  private loaded = false;
  private readonly resyncDue = new Set<string>();
  /** Since when each worker holding jobs has been unable to work. */
  private readonly unusableSince = new Map<string, number>();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: RendererPool,
    private readonly order: RenderOrderRepository,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly pictures: PictureService,
    private readonly live: LiveEventsService,
    private readonly times: RenderTimes,
    private readonly config: GatewayConfig,
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
      if (this.resyncDue.size > 0 || this.handOverDue(this.pool.workers()).length > 0) this.nudge();
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

  /** Expected milliseconds until a worker has done everything it holds. */
  backlogMs(worker: WorkerView): number {
    const current = worker.status.current;
    let total = 0;
    for (const job of this.board.jobs(worker.key)) {
      const estimate = this.times.estimateMs(worker.key, job.width, job.height);
      total += current?.suggestionId === job.id ? remainingMs(current, estimate) : estimate;
    }
    return total;
  }

  private async step(): Promise<void> {
    if (!this.loaded) await this.load();
    const workers = this.pool.workers();
    await this.handOverLost(workers);
    // A copy: a failed resync puts its key back, which must wait for the next round.
    for (const key of Array.from(this.resyncDue)) {
      const connection = this.pool.connection(key);
      if (!connection?.link.connected) continue;
      this.resyncDue.delete(key);
      await this.guarded(
        connection,
        () => this.resync(connection, workers),
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
    this.loaded = true;
  }

  /** Workers whose jobs are due to go elsewhere: unable to work for the grace period, with others able. */
  private handOverDue(workers: WorkerView[]): string[] {
    const now = Date.now();
    const byKey = new Map(workers.map((worker) => [worker.key, worker]));
    const due: string[] = [];
    for (const key of this.unusableSince.keys())
      if (this.board.count(key) === 0) this.unusableSince.delete(key);
    for (const key of this.board.workers()) {
      const view = byKey.get(key);
      if (view?.usable) {
        this.unusableSince.delete(key);
        continue;
      }
      const since = this.unusableSince.get(key) ?? now;
      this.unusableSince.set(key, since);
      if (now - since < this.config.rendererGraceMs) continue;
      if (!workers.some((other) => other.usable && other.key !== key)) continue;
      if (this.jobsToHandOver(key, view).length > 0) due.push(key);
    }
    return due;
  }

  /** All its unfinished jobs, except the one a worker the host paused is still rendering. */
  private jobsToHandOver(key: string, view: WorkerView | undefined): number[] {
    const keep =
      view && view.status.paused && !view.status.waitingForSd ? view.status.current?.suggestionId : undefined;
    return this.board
      .jobs(key)
      .map((job) => job.id)
      .filter((id) => id !== keep);
  }

  private async handOverLost(workers: WorkerView[]): Promise<void> {
    const byKey = new Map(workers.map((worker) => [worker.key, worker]));
    for (const key of this.handOverDue(workers)) {
      const ids = this.jobsToHandOver(key, byKey.get(key));
      const connection = this.pool.connectionOf(key);
      if (connection?.link.connected) {
        // Stopped there first, so a worker that is only slow to answer does not render them as well.
        for (const suggestionId of ids) {
          await connection.client.send(RendererPattern.Cancel, { suggestionId }).catch(() => undefined);
        }
      }
      const handed = await this.lifecycle.handOver(ids, key);
      for (const { suggestionId } of handed) this.board.remove(suggestionId);
      this.logger.warn(
        `${describeWorker(key)} could not work for ${Math.round(this.config.rendererGraceMs / 1000)} s: ` +
          `${handed.length} of its unfinished prompt(s) go to the other workers.`,
      );
    }
  }

  /** A renderer is (back): it drops what went elsewhere meanwhile and gets its own unfinished jobs again. */
  private async resync(connection: RendererConnection, workers: WorkerView[]): Promise<void> {
    const own = workers.filter((worker) => worker.connection === connection);
    for (const worker of own) {
      const mine = new Set(this.board.jobs(worker.key).map((job) => job.id));
      const held = [...worker.status.queuedIds];
      if (worker.status.current) held.push(worker.status.current.suggestionId);
      for (const suggestionId of held) {
        if (!mine.has(suggestionId)) await connection.client.send(RendererPattern.Cancel, { suggestionId });
      }
    }
    let resent = 0;
    for (const key of this.board.workers()) {
      const { renderer, index } = parseWorkerKey(key);
      if (renderer !== connection.key || !own.some((worker) => worker.index === index)) continue;
      const ids = this.board.jobs(key).map((job) => job.id);
      await this.send(connection, index, key, ids);
      resent += ids.length;
    }
    this.logger.log(
      `Renderer ${connection.key} is in sync: its ${resent} unfinished prompt(s) handed over again.`,
    );
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
    const waiting = await this.order.fairOrder(total);
    if (waiting.length === 0) return;
    const busyUntil = new Map(usable.map((worker) => [worker.key, this.backlogMs(worker)]));
    const plan = new Map<WorkerView, WaitingRow[]>();
    for (const row of waiting) {
      let best: WorkerView | undefined;
      let bestFinish = Infinity;
      for (const worker of usable) {
        if ((free.get(worker.key) ?? 0) <= 0) continue;
        const finish = busyUntil.get(worker.key)! + this.times.estimateMs(worker.key, row.width, row.height);
        if (finish < bestFinish) {
          best = worker;
          bestFinish = finish;
        }
      }
      if (!best) break;
      free.set(best.key, free.get(best.key)! - 1);
      busyUntil.set(best.key, bestFinish);
      const rows = plan.get(best) ?? [];
      rows.push(row);
      plan.set(best, rows);
    }
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
        this.send(
          worker.connection,
          worker.index,
          worker.key,
          jobs.map((job) => job.id),
        ),
      );
    }
  }

  /**
   * Sends suggestions to one worker and records what the renderer accepted as queued. Ones it did not
   * accept (it has no such worker) wait again. A send that fails leaves them with the worker: they are sent
   * again when its link is back, or handed to others after the grace period.
   */
  private async send(
    connection: RendererConnection,
    index: number,
    key: string,
    ids: number[],
  ): Promise<void> {
    if (ids.length === 0) return;
    const generation = await this.settings.generation();
    const toJob = (suggestion: SuggestionEntity): RenderJob => ({
      suggestionId: suggestion.id,
      prompt: suggestion.prompt,
      width: suggestion.width,
      height: suggestion.height,
      settings: generation,
      colourHex: suggestion.user?.colourHex ?? '#808080',
    });
    const rows = await this.order.findWithAuthors(ids);
    const accepted: number[] = [];
    const plain = rows.filter((suggestion) => !suggestion.pictureFile).map(toJob);
    for (let i = 0; i < plain.length; i += ENQUEUE_BATCH) {
      const jobs = plain.slice(i, i + ENQUEUE_BATCH);
      accepted.push(
        ...(await connection.client.send(RendererPattern.Enqueue, { jobs, worker: index })).accepted,
      );
    }
    const failed = new Set<number>();
    // Jobs with a picture carry it as base64 (megabytes each): read and sent one at a time.
    for (const suggestion of rows) {
      if (!suggestion.pictureFile) continue;
      const initImage = await this.pictures.readBase64(suggestion.pictureFile);
      if (initImage === null) {
        // Without its picture the job cannot be what the guest asked for; say so rather than guess.
        this.logger.warn(`Suggestion ${suggestion.id}: its picture file is missing; marked failed.`);
        failed.add(suggestion.id);
        await this.lifecycle.fail(suggestion.id, MISSING_PICTURE);
        continue;
      }
      const reply = await connection.client.send(RendererPattern.Enqueue, {
        jobs: [{ ...toJob(suggestion), initImage }],
        worker: index,
      });
      accepted.push(...reply.accepted);
    }
    const taken = new Set(accepted);
    const refused = ids.filter((id) => !taken.has(id) && !failed.has(id));
    if (refused.length > 0) {
      for (const id of await this.order.unassign(refused, key)) this.board.remove(id);
    }
    await this.lifecycle.queue(accepted);
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

/** "SD server 2 of renderer gpu-box:4001", for the host's log. */
export function describeWorker(key: string): string {
  const { renderer, index } = parseWorkerKey(key);
  return `SD server ${index + 1} of renderer ${renderer}`;
}
