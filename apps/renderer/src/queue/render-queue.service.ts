import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type {
  AckReply,
  CancelReply,
  EnqueueReply,
  GenerationSettings,
  PauseReply,
  RenderJob,
  RenderResult,
  RendererStatus,
  ResultsReply,
  ResultsRequest,
} from '#contracts';
import { RENDERER_CONFIG, type RendererConfig } from '../config/renderer.config.js';
import { RENDER_BACKEND, type RenderBackend } from '../backends/render-backend.js';
import { SdFailure, asSdFailure } from '../backends/sd-failure.js';
import { decideRetry, probeDelay, type RetrySettings } from './retry-policy.js';

/** The status reply lists at most this many queued ids (the contract's bound). */
const STATUS_MAX_IDS = 1000;
/** Reasons are shown to the admin; the contract caps them at 2000 characters. */
const MAX_REASON = 2000;
/** When idle, SD's health is re-checked on a status request at most this often. */
const HEALTH_REFRESH_MS = 5_000;
/** Interrupting SD on shutdown must not hold the process up for long. */
const SHUTDOWN_INTERRUPT_WAIT_MS = 2_000;

/** The job being worked on: in flight on SD, backing off before a retry, or waiting for SD to come back. */
interface ActiveJob {
  readonly job: RenderJob;
  readonly startedAt: Date;
  /** Attempts that reached SD (or are reaching it now). Attempts refused before reaching SD are not counted. */
  attempt: number;
  percent: number;
  etaSeconds: number | null;
  inFlight: boolean;
  waitingForSd: boolean;
  cancelled: boolean;
  readonly abort: AbortController;
}

/**
 * An in-memory FIFO that feeds Stable Diffusion one job at a time and keeps each result until the gateway
 * acknowledges it. The gateway's database is the source of truth: after a renderer restart it re-sends whatever is
 * unfinished, so nothing here needs to survive the process.
 *
 * Costs: every operation the gateway repeats (enqueue, cancel, ack, status, results) is O(1) per id or bounded by
 * its reply size. Queued jobs live in an insertion-ordered Map, which is the FIFO and the idempotency index at once.
 */
@Injectable()
export class RenderQueueService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RenderQueue');
  private readonly queued = new Map<number, RenderJob>();
  private readonly results = new Map<number, RenderResult>();
  private readonly resultWaiters = new Set<() => void>();
  /** Identical generation settings share one object: 10,000 queued jobs need not hold 10,000 negative prompts. */
  private readonly settingsPool = new Map<string, GenerationSettings>();
  private readonly retrySettings: RetrySettings;
  /** Largest total of image characters one results reply carries, so it stays well inside a frame. */
  private readonly replyBudgetChars: number;

  private active: ActiveJob | null = null;
  private draining: Promise<void> | null = null;
  private paused = false;
  private stopped = false;
  private sdReachable = false;
  private sdError: string | null = null;
  private sdCheckedAt = 0;
  private healthCheck: Promise<void> | null = null;

  constructor(
    @Inject(RENDER_BACKEND) private readonly backend: RenderBackend,
    @Inject(RENDERER_CONFIG) private readonly config: RendererConfig,
  ) {
    this.retrySettings = { maxAttempts: config.renderMaxAttempts, baseMs: config.renderRetryBaseMs };
    this.replyBudgetChars = Math.floor(config.maxFrameBytes / 2);
  }

  onApplicationBootstrap(): void {
    if (this.backend.name === 'preview') {
      this.logger.warn(this.backend.description);
      return;
    }
    this.logger.log(`Stable Diffusion backend: ${this.backend.description}`);
    void this.checkSdHealth().then(() => {
      if (this.sdReachable) this.logger.log('Stable Diffusion answers');
      else this.logger.warn(`Stable Diffusion does not answer yet: ${this.sdError}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wakeResultWaiters();
    const active = this.active;
    if (active) {
      if (active.inFlight) await this.interruptQuietly(SHUTDOWN_INTERRUPT_WAIT_MS);
      active.abort.abort();
    }
    await this.draining;
  }

  /** Idempotent by promptId: a job already queued, rendering or holding a result is accepted and not duplicated. */
  enqueue(jobs: RenderJob[]): EnqueueReply {
    const accepted: number[] = [];
    for (const job of jobs) {
      if (!this.isKnown(job.promptId)) {
        this.queued.set(job.promptId, { ...job, settings: this.pooledSettings(job.settings) });
      }
      accepted.push(job.promptId);
    }
    this.kick();
    return { accepted };
  }

  /**
   * Drops a queued job. A job SD is rendering now is interrupted on SD and its result thrown away. A job that
   * already has a result is not cancelled (the gateway should take and acknowledge it).
   */
  cancel(promptId: number): CancelReply {
    if (this.queued.delete(promptId)) {
      this.logger.log(`Cancelled #${promptId} before it started`);
      return { cancelled: true };
    }
    const active = this.active;
    if (active && active.job.promptId === promptId && !active.cancelled) {
      active.cancelled = true;
      if (active.inFlight) void this.interruptQuietly();
      active.abort.abort();
      this.logger.log(
        `Cancelled #${promptId} while ${active.inFlight ? 'rendering (interrupted)' : 'waiting'}`,
      );
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

  /**
   * Long poll: answers at once when results are waiting, otherwise when the first one arrives or after `waitMs`.
   * Results stay until acknowledged, so a reply lost on the way is simply sent again by the next poll.
   */
  async takeResults({ waitMs, max }: ResultsRequest): Promise<ResultsReply> {
    if (this.results.size === 0 && waitMs > 0 && !this.stopped) await this.waitForResult(waitMs);
    const results: RenderResult[] = [];
    let chars = 0;
    for (const result of this.results.values()) {
      const size = result.status === 'rendered' ? result.image.length : result.reason.length;
      if (results.length > 0 && chars + size > this.replyBudgetChars) break;
      results.push(result);
      chars += size;
      if (results.length >= max) break;
    }
    return { results };
  }

  ack(promptIds: number[]): AckReply {
    let acknowledged = 0;
    for (const id of promptIds) if (this.results.delete(id)) acknowledged++;
    return { acknowledged };
  }

  status(): RendererStatus {
    if (
      this.backend.name !== 'preview' &&
      !this.active &&
      Date.now() - this.sdCheckedAt > HEALTH_REFRESH_MS
    ) {
      void this.checkSdHealth();
    }
    const active = this.active;
    const waiting = active !== null && active.waitingForSd && !active.cancelled;
    const queuedIds: number[] = waiting ? [active.job.promptId] : [];
    for (const id of this.queued.keys()) {
      if (queuedIds.length >= STATUS_MAX_IDS) break;
      queuedIds.push(id);
    }
    const current =
      active && !waiting && !active.cancelled
        ? {
            promptId: active.job.promptId,
            startedAt: active.startedAt.toISOString(),
            attempt: Math.max(1, active.attempt),
            percent: active.percent,
            etaSeconds: active.etaSeconds,
          }
        : null;
    return {
      backend: this.backend.name,
      backendDescription: this.backend.description,
      sdReachable: this.backend.name === 'preview' ? false : this.sdReachable,
      sdError: this.sdError,
      paused: this.paused,
      waitingForSd: waiting,
      queueLength: this.queued.size + (waiting ? 1 : 0),
      queuedIds,
      current,
      unacknowledgedResults: this.results.size,
    };
  }

  private isKnown(promptId: number): boolean {
    if (this.queued.has(promptId) || this.results.has(promptId)) return true;
    const active = this.active;
    return active !== null && active.job.promptId === promptId && !active.cancelled;
  }

  private pooledSettings(settings: GenerationSettings): GenerationSettings {
    const key = `${settings.steps}\u0000${settings.cfgScale}\u0000${settings.sampler}\u0000${settings.model}\u0000${settings.negativePrompt}`;
    const pooled = this.settingsPool.get(key);
    if (pooled) return pooled;
    // The admin changes settings a handful of times per party; the bound only guards against a misbehaving client.
    if (this.settingsPool.size >= 64) this.settingsPool.clear();
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
      const [promptId, job] = next.value;
      this.queued.delete(promptId);
      await this.process(job);
    }
  }

  private async process(job: RenderJob): Promise<void> {
    const active: ActiveJob = {
      job,
      startedAt: new Date(),
      attempt: 0,
      percent: 0,
      etaSeconds: null,
      inFlight: false,
      waitingForSd: false,
      cancelled: false,
      abort: new AbortController(),
    };
    this.active = active;
    try {
      while (!active.cancelled && !this.stopped) {
        active.attempt++;
        let failure: SdFailure;
        try {
          const rendered = await this.attempt(active);
          if (active.cancelled || this.stopped) return;
          this.noteSdAnswered(null);
          this.addResult({
            status: 'rendered',
            promptId: job.promptId,
            ...rendered,
            backend: this.backend.name,
            startedAt: active.startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
          });
          const seconds = ((Date.now() - active.startedAt.getTime()) / 1000).toFixed(1);
          this.logger.log(`Rendered #${job.promptId} (${job.width}×${job.height}) in ${seconds} s`);
          return;
        } catch (error) {
          failure = asSdFailure(error);
        }
        if (active.cancelled || this.stopped) return;

        const decision = decideRetry(failure.kind, active.attempt, this.retrySettings);
        if (decision.action === 'wait-for-sd') {
          // SD never saw this attempt: give it back and hold the whole queue until SD answers again.
          active.attempt--;
          this.noteSdUnreachable(failure.message);
          await this.waitForSd(active);
          continue;
        }
        this.noteSdAnswered(failure.message);
        if (decision.action === 'fail') {
          const reason =
            active.attempt > 1
              ? `${failure.message} (gave up after ${active.attempt} attempts)`
              : failure.message;
          this.logger.warn(`Failed #${job.promptId}: ${reason}`);
          this.addResult({
            status: 'failed',
            promptId: job.promptId,
            reason: truncate(reason),
            attempts: Math.max(1, active.attempt),
            backend: this.backend.name,
            finishedAt: new Date().toISOString(),
          });
          return;
        }
        this.logger.warn(
          `Attempt ${active.attempt} of #${job.promptId} failed (${failure.message}); retrying in ${decision.delayMs} ms`,
        );
        // A request we gave up on keeps SD busy (A1111 finishes it for nobody); stop it before sending the retry.
        if (failure.kind === 'timeout') void this.interruptQuietly();
        await sleep(decision.delayMs, active.abort.signal);
      }
    } finally {
      this.active = null;
    }
  }

  /** One call to the backend, with the progress poller running while it is in flight. */
  private async attempt(active: ActiveJob) {
    active.inFlight = true;
    active.percent = 0;
    active.etaSeconds = null;
    const stopPolling = this.backend.reportsProgress ? this.pollProgress(active) : undefined;
    try {
      return await this.backend.render(active.job, active.abort.signal);
    } finally {
      active.inFlight = false;
      stopPolling?.();
    }
  }

  /**
   * Reads SD's progress every progressIntervalMs while a job is in flight. The first read waits one interval, so
   * fast jobs cost no extra request. Polls never overlap, and failures are ignored: the figures are a hint, and the
   * render call itself reports real trouble.
   */
  private pollProgress(active: ActiveJob): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout;
    const tick = async () => {
      try {
        const progress = await this.backend.progress();
        if (!stopped && progress) {
          active.percent = progress.percent;
          active.etaSeconds = progress.etaSeconds;
        }
      } catch {
        // A hint only; see above.
      }
      if (!stopped) timer = setTimeout(tick, this.config.progressIntervalMs);
    };
    timer = setTimeout(tick, this.config.progressIntervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Probes SD with growing pauses until it answers, the job is cancelled or the renderer stops. */
  private async waitForSd(active: ActiveJob): Promise<void> {
    active.waitingForSd = true;
    this.logger.warn(`Waiting for Stable Diffusion (${this.sdError}); the queue resumes by itself`);
    try {
      for (let probe = 1; ; probe++) {
        await sleep(probeDelay(probe, this.config.renderRetryBaseMs), active.abort.signal);
        if (active.cancelled || this.stopped) return;
        try {
          await this.backend.health();
          this.noteSdAnswered(null);
          this.logger.log('Stable Diffusion answers again; resuming the queue');
          return;
        } catch (error) {
          const failure = asSdFailure(error);
          if (failure.kind === 'unreachable') this.noteSdUnreachable(failure.message);
          else {
            // It answers, if not happily: let the job's own attempt decide what that means.
            this.noteSdAnswered(failure.message);
            return;
          }
        }
      }
    } finally {
      active.waitingForSd = false;
    }
  }

  private async checkSdHealth(): Promise<void> {
    if (this.healthCheck) return this.healthCheck;
    this.healthCheck = (async () => {
      try {
        await this.backend.health();
        this.noteSdAnswered(null);
      } catch (error) {
        const failure = asSdFailure(error);
        if (failure.kind === 'unreachable') this.noteSdUnreachable(failure.message);
        else this.noteSdAnswered(failure.message);
      } finally {
        this.healthCheck = null;
      }
    })();
    return this.healthCheck;
  }

  private noteSdAnswered(error: string | null): void {
    this.sdReachable = true;
    this.sdError = error;
    this.sdCheckedAt = Date.now();
  }

  private noteSdUnreachable(error: string): void {
    this.sdReachable = false;
    this.sdError = error;
    this.sdCheckedAt = Date.now();
  }

  private async interruptQuietly(waitMs?: number): Promise<void> {
    const interrupt = this.backend.interrupt().catch((error: unknown) => {
      this.logger.warn(`Could not interrupt Stable Diffusion: ${(error as Error).message}`);
    });
    if (waitMs === undefined) return interrupt;
    await Promise.race([interrupt, sleep(waitMs)]);
  }

  private addResult(result: RenderResult): void {
    this.results.set(result.promptId, result);
    this.wakeResultWaiters();
  }

  private waitForResult(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resultWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.resultWaiters.add(done);
    });
  }

  private wakeResultWaiters(): void {
    // Each waker removes itself; deleting visited entries while iterating a Set is well defined.
    for (const wake of this.resultWaiters) wake();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
