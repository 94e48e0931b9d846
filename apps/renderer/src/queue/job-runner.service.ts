import { Logger } from '@nestjs/common';
import { REASON_MAX_LENGTH } from '#contracts';
import type { RendererConfig } from '../config/renderer.config.js';
import type { RenderBackend } from '../backends/render-backend.js';
import { SdFailure, asSdFailure } from '../backends/sd-failure.js';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import type { ActiveJob } from './active-job.js';
import { decideRetry, type RetrySettings } from './retry-policy.js';
import { sleep } from './sleep.js';

/**
 * Takes one job to its outcome: attempts on SD with the retry policy, progress while it renders, a start
 * signal with the first attempt, and the result (image or reason) into the result store. Cancelling or
 * stopping aborts whatever it is doing at once. One per worker (SD server); signals and results carry the
 * worker's index when it has one.
 */
export class JobRunner {
  private readonly logger: Logger;
  private readonly retrySettings: RetrySettings;

  constructor(
    private readonly backend: RenderBackend,
    config: RendererConfig,
    private readonly health: SdHealth,
    private readonly store: ResultStore,
    private readonly worker?: number,
    name = 'JobRunner',
  ) {
    this.retrySettings = { maxAttempts: config.renderMaxAttempts, baseMs: config.renderRetryBaseMs };
    this.logger = new Logger(name);
  }

  /** Resolves when the job has an outcome in the store, or was cancelled, or `isStopped()` turned true. */
  async run(active: ActiveJob, isStopped: () => boolean): Promise<void> {
    const { job } = active;
    while (!active.cancelled && !isStopped()) {
      active.attempt++;
      let failure: SdFailure;
      try {
        const rendered = await this.attempt(active);
        if (active.cancelled || isStopped()) return;
        this.health.noteAnswered(null);
        this.store.addResult({
          status: 'rendered',
          suggestionId: job.suggestionId,
          ...rendered,
          backend: this.backend.name,
          startedAt: active.startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          ...this.stamp(),
        });
        const seconds = ((Date.now() - active.startedAt.getTime()) / 1000).toFixed(1);
        this.logger.log(`Rendered #${job.suggestionId} (${job.width}×${job.height}) in ${seconds} s`);
        return;
      } catch (error) {
        failure = asSdFailure(error);
      }
      if (active.cancelled || isStopped()) return;

      const decision = decideRetry(failure.kind, active.attempt, this.retrySettings);
      if (decision.action === 'wait-for-sd') {
        // SD did no work for this attempt: give it back and hold the whole queue until SD answers us again.
        active.attempt--;
        this.health.noteUnusable(failure);
        active.waitingForSd = true;
        try {
          await this.health.waitUntilReachable(active.abort.signal);
        } finally {
          active.waitingForSd = false;
        }
        continue;
      }
      this.health.noteAnswered(failure.message);
      if (decision.action === 'fail') {
        this.fail(active, failure);
        return;
      }
      this.logger.warn(
        `Attempt ${active.attempt} of #${job.suggestionId} failed (${failure.message}); retrying in ${decision.delayMs} ms`,
      );
      await sleep(decision.delayMs, active.abort.signal);
    }
  }

  /** Stops the job (the backend stops it on SD when that is ours to do), and no result is kept. */
  cancel(active: ActiveJob): void {
    active.cancelled = true;
    this.store.forgetStarted(active.job.suggestionId);
    active.abort.abort();
  }

  /** Shutdown: the backend stops our job on SD (it would otherwise finish an image for nobody). */
  stop(active: ActiveJob): void {
    active.abort.abort();
  }

  private fail(active: ActiveJob, failure: SdFailure): void {
    const reason =
      active.attempt > 1 ? `${failure.message} (gave up after ${active.attempt} attempts)` : failure.message;
    this.logger.warn(`Failed #${active.job.suggestionId}: ${reason}`);
    this.store.addResult({
      status: 'failed',
      suggestionId: active.job.suggestionId,
      reason: truncate(reason),
      attempts: Math.max(1, active.attempt),
      backend: this.backend.name,
      finishedAt: new Date().toISOString(),
      ...this.stamp(),
    });
  }

  private stamp(): { worker?: number } {
    return this.worker === undefined ? {} : { worker: this.worker };
  }

  /** One call to the backend, which reports progress while it is in flight. */
  private async attempt(active: ActiveJob) {
    active.inFlight = true;
    active.percent = 0;
    active.etaSeconds = null;
    active.phase = 'waiting';
    // The gateway hears of the start with the first attempt that goes to SD, not before.
    if (!active.announced) {
      active.announced = true;
      this.store.addStarted({
        suggestionId: active.job.suggestionId,
        startedAt: active.startedAt.toISOString(),
        ...this.stamp(),
      });
    }
    try {
      return await this.backend.render(active.job, active.abort.signal, (progress) => {
        active.percent = progress.percent;
        active.etaSeconds = progress.etaSeconds;
        active.phase = progress.phase;
      });
    } finally {
      active.inFlight = false;
    }
  }
}

function truncate(text: string): string {
  return text.length > REASON_MAX_LENGTH ? `${text.slice(0, REASON_MAX_LENGTH - 1)}…` : text;
}
