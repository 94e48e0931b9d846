import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type {
  CancelReply,
  EnqueueReply,
  PauseReply,
  PauseRequest,
  RenderJob,
  RendererStatus,
  WorkerStatus,
} from '#contracts';
import { RENDER_BACKENDS, type RenderBackend } from '../backends/render-backend.js';
import { RENDERER_CONFIG, type RendererConfig } from '../config/renderer.config.js';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { JobRunner } from './job-runner.service.js';
import { RenderQueue } from './render-queue.service.js';

/** The status reply lists at most this many queued ids in its top-level field (the contract's bound). */
const STATUS_MAX_IDS = 1000;

/**
 * Every SD server of this renderer, each its own worker (RenderQueue) with its own queue, job runner,
 * health, pause and progress; they share the result store. The gateway names the worker for each job it
 * sends; a job sent without one goes to the least busy worker. A job is known to at most one worker, so
 * enqueueing is idempotent across them.
 */
@Injectable()
export class RenderWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly workers: RenderQueue[];

  constructor(
    @Inject(RENDER_BACKENDS) backends: RenderBackend[],
    @Inject(RENDERER_CONFIG) config: RendererConfig,
    private readonly store: ResultStore,
  ) {
    const several = backends.length > 1;
    this.workers = backends.map((backend, index) => {
      // Log lines say which SD server they are about, counted from 1 as SD_URL lists them.
      const name = (part: string) => (several ? `${part} [SD server ${index + 1}]` : part);
      const health = new SdHealth(backend, config, name('SdHealth'));
      const runner = new JobRunner(backend, config, health, store, index, name('JobRunner'));
      return new RenderQueue(backend, runner, health, store, index, name('RenderQueue'));
    });
  }

  onApplicationBootstrap(): void {
    for (const worker of this.workers) worker.onApplicationBootstrap();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.beforeApplicationShutdown()));
  }

  /**
   * Queues jobs on the named worker, or on the least busy one. A job any worker already holds (or holds a
   * result for) is accepted and not duplicated. Jobs for a worker this renderer does not have are not
   * accepted, so the gateway sends them elsewhere.
   */
  enqueue(jobs: RenderJob[], worker?: number): EnqueueReply {
    const named = worker === undefined ? undefined : this.workers[worker];
    if (worker !== undefined && !named) return { accepted: [] };
    const fresh = jobs.filter((job) => !this.workers.some((queue) => queue.isKnown(job.suggestionId)));
    if (named) {
      if (fresh.length > 0) named.enqueue(fresh);
    } else {
      // One at a time, so each goes where the load is least after the previous one.
      for (const job of fresh) this.leastBusy().enqueue([job]);
    }
    return { accepted: jobs.map((job) => job.suggestionId) };
  }

  cancel(suggestionId: number): CancelReply {
    for (const worker of this.workers) {
      if (worker.isKnown(suggestionId) && worker.cancel(suggestionId).cancelled) return { cancelled: true };
    }
    return { cancelled: false };
  }

  pause({ worker }: PauseRequest): PauseReply {
    for (const queue of this.selected(worker)) queue.pause();
    return { paused: true };
  }

  resume({ worker }: PauseRequest): PauseReply {
    for (const queue of this.selected(worker)) queue.resume();
    return { paused: false };
  }

  /**
   * Each worker's status, and the renderer as a whole: the first worker's backend, the sum of the queues,
   * paused only when every worker is, waiting for SD only when no worker can go on.
   */
  status(): RendererStatus {
    const workers = this.workers.map((queue) => queue.workerStatus());
    const [first] = workers;
    const queuedIds: number[] = [];
    for (const worker of workers) {
      for (const id of worker.queuedIds) if (queuedIds.length < STATUS_MAX_IDS) queuedIds.push(id);
    }
    const waiting = workers.filter((worker) => worker.waitingForSd);
    return {
      backend: first.backend,
      backendDescription:
        workers.length === 1
          ? first.backendDescription
          : `${workers.length} SD servers: ${workers.map((worker) => worker.backendDescription).join('; ')}`,
      sdReachable: workers.some((worker) => worker.sdReachable),
      sdError: workers.find((worker) => worker.sdError !== null)?.sdError ?? null,
      paused: workers.every((worker) => worker.paused),
      waitingForSd: waiting.length === workers.length,
      pauseReason: waiting.length === workers.length ? (waiting[0]?.pauseReason ?? null) : null,
      queueLength: workers.reduce((sum, worker) => sum + worker.queueLength, 0),
      queuedIds,
      current: workers.find((worker) => worker.current !== null)?.current ?? null,
      unacknowledgedResults: this.store.unacknowledged,
      workers,
    };
  }

  workerStatus(index: number): WorkerStatus | undefined {
    return this.workers[index]?.workerStatus();
  }

  private selected(worker: number | undefined): RenderQueue[] {
    if (worker === undefined) return this.workers;
    const queue = this.workers[worker];
    return queue ? [queue] : [];
  }

  /** The usable worker holding the fewest jobs (the first such when tied), else the first. */
  private leastBusy(): RenderQueue {
    let best: RenderQueue | undefined;
    for (const queue of this.workers) {
      if (!queue.usable) continue;
      if (!best || queue.load < best.load) best = queue;
    }
    return best ?? this.workers[0];
  }
}
