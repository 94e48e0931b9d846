import {
  RendererPattern,
  type RenderJob,
  type RenderResult,
  type RenderStarted,
  type RendererReply,
  type RendererRequest,
  type RendererStatus,
  type WorkerStatus,
} from '#contracts';
import { RendererUnreachableError } from '../../apps/gateway/src/renderer/renderer.client.js';

/**
 * Stands in for the gateway's RendererClient in service-level specs: it keeps what it was sent, answers
 * like a renderer (idempotent enqueue, long-polled reports kept until acknowledged), and can be taken
 * down. No TCP: the e2e tests cover the transport.
 *
 * With `workers` it reports that many SD servers, each holding the jobs sent to it (the first is the one
 * it renders), pausable one by one; `finish` plays one of them drawing its current job. Without, its status
 * has no worker list, as renderers older than several SD servers.
 */
export class FakeRendererClient {
  readonly enqueued: RenderJob[] = [];
  /** The worker each job was sent to (undefined: none named). */
  readonly sentTo = new Map<number, number | undefined>();
  readonly acks: RendererRequest<'render.ack'>[] = [];
  readonly cancelled: number[] = [];
  up = true;
  private started = new Map<number, RenderStarted>();
  private results = new Map<number, RenderResult>();
  private wake: (() => void) | null = null;
  private readonly dropListeners: (() => void)[] = [];
  /** Per worker: the ids it holds, in order, and whether the host paused it. */
  private readonly held: number[][];
  private readonly paused: boolean[];
  /** Workers whose SD server is away: they hold their jobs and wait for it. */
  private readonly sdDown = new Set<number>();

  constructor(private readonly options: { workers?: number } = {}) {
    this.held = Array.from({ length: options.workers ?? 0 }, () => []);
    this.paused = this.held.map(() => false);
  }

  /** A worker's SD server goes away (or comes back). */
  setSdDown(worker: number, down: boolean): void {
    if (down) this.sdDown.add(worker);
    else this.sdDown.delete(worker);
  }

  onModuleDestroy(): void {}

  onLinkDropped(listener: () => void): void {
    this.dropListeners.push(listener);
  }

  /** The link drops: every listener hears it, and sends fail until `up` is set again. */
  drop(): void {
    this.up = false;
    for (const listener of this.dropListeners) listener();
  }

  /** A restart: everything it held in memory is gone. */
  forget(): void {
    for (const jobs of this.held) jobs.length = 0;
    this.started.clear();
    this.results.clear();
  }

  report(started: RenderStarted[], results: RenderResult[] = []): void {
    for (const signal of started) this.started.set(signal.suggestionId, signal);
    for (const result of results) this.results.set(result.suggestionId, result);
    this.wake?.();
  }

  /** Ids a worker holds, the one it renders first. */
  holding(worker: number): number[] {
    return [...this.held[worker]];
  }

  /**
   * A worker draws its current job, as if it took `ms` (its reported start and finish are that far apart),
   * and reports the start and the image. Returns the id, or undefined when it holds nothing.
   */
  finish(worker: number, ms = 1000): number | undefined {
    const id = this.held[worker].shift();
    if (id === undefined) return undefined;
    const finishedAt = new Date();
    const startedAt = new Date(finishedAt.getTime() - ms);
    const result = renderedResult(id, 1000 + worker);
    this.report(
      [{ suggestionId: id, startedAt: startedAt.toISOString(), worker }],
      [{ ...result, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), worker }],
    );
    return id;
  }

  get unacknowledged(): number {
    return this.started.size + this.results.size;
  }

  async send<P extends RendererPattern>(pattern: P, request: RendererRequest<P>): Promise<RendererReply<P>> {
    if (!this.up) throw new RendererUnreachableError('The renderer is not reachable (fake: down).');
    return (await this.answer(pattern, request as never)) as RendererReply<P>;
  }

  private async answer(pattern: RendererPattern, request: never): Promise<unknown> {
    switch (pattern) {
      case RendererPattern.Status:
        return this.status();
      case RendererPattern.Enqueue: {
        const { jobs, worker } = request as RendererRequest<'render.enqueue'>;
        if (worker !== undefined && this.held.length > 0 && !this.held[worker]) return { accepted: [] };
        for (const job of jobs) {
          if (!this.enqueued.some((j) => j.suggestionId === job.suggestionId)) this.enqueued.push(job);
          this.sentTo.set(job.suggestionId, worker);
          const known = this.held.some((ids) => ids.includes(job.suggestionId));
          if (!known && this.held.length > 0 && !this.results.has(job.suggestionId)) {
            this.held[worker ?? 0].push(job.suggestionId);
          }
        }
        return { accepted: jobs.map((job) => job.suggestionId) };
      }
      case RendererPattern.Results: {
        const { waitMs } = request as RendererRequest<'render.results'>;
        if (this.unacknowledged === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(waitMs, 200));
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
        if (!this.up) throw new RendererUnreachableError('The renderer is not reachable (fake: down).');
        return { started: [...this.started.values()], results: [...this.results.values()] };
      }
      case RendererPattern.Ack: {
        const ack = request as RendererRequest<'render.ack'>;
        this.acks.push(ack);
        let acknowledged = 0;
        for (const id of ack.suggestionIds) if (this.results.delete(id)) acknowledged++;
        for (const id of ack.started ?? []) if (this.started.delete(id)) acknowledged++;
        return { acknowledged };
      }
      case RendererPattern.Cancel: {
        const { suggestionId } = request as RendererRequest<'render.cancel'>;
        this.cancelled.push(suggestionId);
        let cancelled = this.held.length === 0;
        for (const ids of this.held) {
          const at = ids.indexOf(suggestionId);
          if (at >= 0) {
            ids.splice(at, 1);
            cancelled = true;
          }
        }
        return { cancelled };
      }
      case RendererPattern.Pause:
      case RendererPattern.Resume: {
        const { worker } = request as RendererRequest<'render.pause'>;
        const paused = pattern === RendererPattern.Pause;
        this.paused.forEach((_, i) => {
          if (worker === undefined || worker === i) this.paused[i] = paused;
        });
        return { paused };
      }
      case RendererPattern.Catalog:
        return { models: [], samplers: [], unavailable: 'fake' };
    }
  }

  private workerStatus(index: number): WorkerStatus {
    const paused = this.paused[index];
    const waiting = this.sdDown.has(index);
    // The first job it holds is the one it works on (a paused worker finishes it; one waiting for SD holds it).
    const held = this.held[index];
    const current = held[0];
    const queued = held.slice(1);
    return {
      index,
      backend: 'preview',
      backendDescription: `fake SD server ${index + 1}`,
      sdReachable: false,
      sdError: waiting ? 'connection refused' : null,
      paused,
      waitingForSd: waiting,
      pauseReason: null,
      queueLength: queued.length + (waiting && current !== undefined ? 1 : 0),
      queuedIds: waiting && current !== undefined ? [current, ...queued] : queued,
      current:
        current === undefined || waiting
          ? null
          : {
              suggestionId: current,
              startedAt: new Date().toISOString(),
              attempt: 1,
              percent: 0,
              etaSeconds: null,
              phase: 'rendering',
            },
    };
  }

  private status(): RendererStatus {
    const workers = this.held.map((_, index) => this.workerStatus(index));
    return {
      backend: 'preview',
      backendDescription: 'fake renderer',
      sdReachable: false,
      sdError: null,
      paused: workers.length > 0 && workers.every((worker) => worker.paused),
      waitingForSd: false,
      pauseReason: null,
      queueLength: this.options.workers
        ? workers.reduce((n, w) => n + w.queueLength, 0)
        : this.enqueued.length,
      queuedIds: [],
      current: workers.find((worker) => worker.current)?.current ?? null,
      unacknowledgedResults: this.results.size,
      workers,
    };
  }
}

export function renderedResult(
  suggestionId: number,
  seed = 7,
): Extract<RenderResult, { status: 'rendered' }> {
  // A real 1×1 PNG, so what is written to OUTPUT_DIR is an image.
  const image =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  return {
    status: 'rendered',
    suggestionId,
    image,
    mime: 'image/png',
    seed,
    info: { seed },
    backend: 'preview',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
}
