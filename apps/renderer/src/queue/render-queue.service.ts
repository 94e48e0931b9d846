import { Logger } from '@nestjs/common';
import type {
  CancelReply,
  EnqueueReply,
  GenerationSettings,
  PauseReply,
  RenderJob,
  RendererStatus,
  WorkerStatus,
} from '#contracts';
import type { RenderBackend } from '../backends/render-backend.js';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { activate, type ActiveJob } from './active-job.js';
import { JobRunner } from './job-runner.service.js';

/** The status reply lists at most this many queued ids (the contract's bound). */
const STATUS_MAX_IDS = 1000;
/** The admin changes settings a handful of times per party; the bound only guards against a misbehaving client. */
const SETTINGS_POOL_MAX = 64;

/**
 * One worker's in-memory FIFO (one SD server): jobs wait here and go to its job runner one at a time.
 * Idempotent by suggestion id, pausable, and the source of the worker's status the gateway polls.
 * RenderWorkers holds one per SD server.
 *
 * Costs: every operation the gateway repeats (enqueue, cancel, status) is O(1) per id or bounded by its
 * reply size. Queued jobs live in an insertion-ordered Map, which is the FIFO and the idempotency index at once.
 */
export class RenderQueue {
  private readonly logger: Logger;
  private readonly queued = new Map<number, RenderJob>();
  /** Identical generation settings share one object: 10,000 queued jobs need not hold 10,000 negative prompts. */
  private readonly settingsPool = new Map<string, GenerationSettings>();
  private active: ActiveJob | null = null;
  private draining: Promise<void> | null = null;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly backend: RenderBackend,
    private readonly runner: JobRunner,
    private readonly health: SdHealth,
    private readonly store: ResultStore,
    /** Its place in SD_URL (0-based); `name` labels its log lines when there are several. */
    readonly index = 0,
    name = 'RenderQueue',
  ) {
    this.logger = new Logger(name);
  }

  onApplicationBootstrap(): void {
    if (this.backend.name === 'preview') {
      this.logger.warn(this.backend.description);
      return;
    }
    this.logger.log(`Stable Diffusion backend: ${this.backend.description}`);
    void this.health.check().then(() => {
      const { reachable, error } = this.health.state;
      if (reachable) this.logger.log('Stable Diffusion answers');
      else this.logger.warn(`Stable Diffusion does not answer yet: ${error}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.store.close();
    if (this.active) this.runner.stop(this.active);
    await this.draining;
  }

  /** A job already queued, rendering or holding a result is accepted and not duplicated. */
  enqueue(jobs: RenderJob[]): EnqueueReply {
    const accepted: number[] = [];
    for (const job of jobs) {
      if (!this.isKnown(job.suggestionId)) {
        this.queued.set(job.suggestionId, { ...job, settings: this.pooledSettings(job.settings) });
      }
      accepted.push(job.suggestionId);
    }
    this.kick();
    return { accepted };
  }

  /**
   * Drops a queued job. A job SD is rendering now is interrupted on SD and its result thrown away. A job that
   * already has a result is not cancelled (the gateway should take and acknowledge it).
   */
  cancel(suggestionId: number): CancelReply {
    if (this.queued.delete(suggestionId)) {
      this.logger.log(`Cancelled #${suggestionId} before it started`);
      return { cancelled: true };
    }
    const active = this.active;
    if (active && active.job.suggestionId === suggestionId && !active.cancelled) {
      const how = active.inFlight ? 'on Stable Diffusion' : 'waiting';
      this.runner.cancel(active);
      this.logger.log(`Cancelled #${suggestionId} while ${how}`);
      return { cancelled: true };
    }
    return { cancelled: false };
  }

  /** No new job starts while paused; the one rendering now finishes. */
  pause(): PauseReply {
    if (!this.paused) this.logger.log('Queue paused');
    this.paused = true;
    return { paused: true };
  }

  resume(): PauseReply {
    if (this.paused) this.logger.log('Queue resumed');
    this.paused = false;
    this.kick();
    return { paused: false };
  }

  /** Jobs it holds: queued, and the one it works on. */
  get load(): number {
    return this.queued.size + (this.active && !this.active.cancelled ? 1 : 0);
  }

  /** Whether a new job would start here soon: not paused, not waiting for its SD server. */
  get usable(): boolean {
    return !this.paused && !this.stopped && !(this.active?.waitingForSd ?? false);
  }

  /** This one worker as the renderer's status (a renderer with a single SD server). */
  status(): RendererStatus {
    const worker = this.workerStatus();
    const { index: _index, ...fields } = worker;
    return { ...fields, unacknowledgedResults: this.store.unacknowledged, workers: [worker] };
  }

  workerStatus(): WorkerStatus {
    const active = this.active;
    if (!active) this.health.refreshIfStale();
    const waiting = active !== null && active.waitingForSd && !active.cancelled;
    const queuedIds: number[] = waiting ? [active.job.suggestionId] : [];
    for (const id of this.queued.keys()) {
      if (queuedIds.length >= STATUS_MAX_IDS) break;
      queuedIds.push(id);
    }
    const current =
      active && !waiting && !active.cancelled
        ? {
            suggestionId: active.job.suggestionId,
            startedAt: active.startedAt.toISOString(),
            attempt: Math.max(1, active.attempt),
            percent: active.percent,
            etaSeconds: active.etaSeconds,
            phase: active.phase,
          }
        : null;
    const sd = this.health.state;
    return {
      index: this.index,
      backend: this.backend.name,
      backendDescription: this.backend.description,
      sdReachable: sd.reachable,
      sdError: sd.error,
      pauseReason: waiting ? sd.pauseReason : null,
      paused: this.paused,
      waitingForSd: waiting,
      queueLength: this.queued.size + (waiting ? 1 : 0),
      queuedIds,
      current,
    };
  }

  /** Queued here, rendering here, or (for any worker) holding a result the gateway has not taken. */
  isKnown(suggestionId: number): boolean {
    if (this.queued.has(suggestionId) || this.store.hasResult(suggestionId)) return true;
    const active = this.active;
    return active !== null && active.job.suggestionId === suggestionId && !active.cancelled;
  }

  private pooledSettings(settings: GenerationSettings): GenerationSettings {
    const key = [
      settings.steps,
      settings.cfgScale,
      settings.sampler,
      settings.scheduler,
      settings.model,
      settings.negativePrompt,
    ].join('\u0000');
    const pooled = this.settingsPool.get(key);
    if (pooled) return pooled;
    if (this.settingsPool.size >= SETTINGS_POOL_MAX) this.settingsPool.clear();
    this.settingsPool.set(key, settings);
    return settings;
  }

  /** Starts the worker unless it is running, paused, stopped or has nothing to do. */
  private kick(): void {
    if (this.draining || this.paused || this.stopped || this.queued.size === 0) return;
    this.draining = this.drain()
      .catch((error: unknown) =>
        this.logger.error(`Queue worker stopped unexpectedly: ${(error as Error).stack}`),
      )
      .finally(() => {
        this.draining = null;
        // Jobs may have arrived, or a resume may have come, while the last job finished.
        this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (!this.paused && !this.stopped) {
      const next = this.queued.entries().next();
      if (next.done) return;
      const [suggestionId, job] = next.value;
      this.queued.delete(suggestionId);
      this.active = activate(job);
      try {
        await this.runner.run(this.active, () => this.stopped);
      } finally {
        this.active = null;
      }
    }
  }
}
