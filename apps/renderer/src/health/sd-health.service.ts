import { Logger } from '@nestjs/common';
import type { RenderBackend } from '../backends/render-backend.js';
import { asSdFailure, type SdFailure } from '../backends/sd-failure.js';
import type { RendererConfig } from '../config/renderer.config.js';
import { probeDelay } from '../queue/retry-policy.js';
import { sleep } from '../queue/sleep.js';

/** When idle, SD's health is re-checked on a status request at most this often. */
const REFRESH_MS = 5_000;

export interface SdHealthState {
  reachable: boolean;
  error: string | null;
  /** A set-up problem (credentials, API off) that holds the queue until it is fixed, in plain words. */
  pauseReason: string | null;
}

/**
 * Whether one Stable Diffusion server answers, and answers us, as last seen by a job or a probe. Its
 * worker's job runner reports what its calls saw and, when SD is away or refuses us, waits here until that
 * is over. One per worker.
 */
export class SdHealth {
  private readonly logger: Logger;
  private reachable = false;
  private error: string | null = null;
  private pauseReason: string | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly backend: RenderBackend,
    private readonly config: RendererConfig,
    name = 'SdHealth',
  ) {
    this.logger = new Logger(name);
  }

  get state(): SdHealthState {
    // The preview backend has no server to reach.
    return {
      reachable: this.backend.name === 'preview' ? false : this.reachable,
      error: this.error,
      pauseReason: this.pauseReason,
    };
  }

  /** SD answered a call (happily when `error` is null). */
  noteAnswered(error: string | null): void {
    this.reachable = true;
    this.error = error;
    this.pauseReason = null;
    this.checkedAt = Date.now();
  }

  /** SD is away, or answers in a way that no job can get past (see SdFailure 'setup'). */
  noteUnusable(failure: SdFailure): void {
    this.reachable = failure.kind !== 'unreachable';
    this.error = failure.message;
    this.pauseReason = failure.kind === 'setup' ? failure.message : null;
    this.checkedAt = Date.now();
  }

  /** Re-checks in the background when the last word is older than a few seconds (status requests). */
  refreshIfStale(): void {
    if (this.backend.name !== 'preview' && Date.now() - this.checkedAt > REFRESH_MS) void this.check();
  }

  /** One probe; concurrent callers share it. */
  check(): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = (async () => {
      try {
        await this.backend.health();
        this.noteAnswered(null);
      } catch (error) {
        const failure = asSdFailure(error);
        if (failure.kind === 'unreachable' || failure.kind === 'setup') this.noteUnusable(failure);
        else this.noteAnswered(failure.message);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  /**
   * Probes SD with growing pauses until it answers without a set-up problem (true), or `signal` aborts
   * (false). An unhappy answer otherwise counts as back: the job's own next attempt decides what it means.
   */
  async waitUntilReachable(signal: AbortSignal): Promise<boolean> {
    this.logger.warn(`Waiting for Stable Diffusion (${this.error}); the queue resumes by itself`);
    for (let probe = 1; ; probe++) {
      await sleep(probeDelay(probe, this.config.renderRetryBaseMs), signal);
      if (signal.aborted) return false;
      await this.check();
      if (this.reachable && this.pauseReason === null) {
        if (this.error === null) this.logger.log('Stable Diffusion answers again; resuming the queue');
        return true;
      }
    }
  }
}
