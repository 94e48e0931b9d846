import {
  RendererPattern,
  type RenderJob,
  type RenderResult,
  type RenderStarted,
  type RendererReply,
  type RendererRequest,
  type RendererStatus,
} from '#contracts';
import { RendererUnreachableError } from '../../apps/gateway/src/renderer/renderer.client.js';

/**
 * Stands in for the gateway's RendererClient in service-level specs: it keeps what it was sent, answers
 * like a renderer (idempotent enqueue, long-polled reports kept until acknowledged), and can be taken
 * down. No TCP: the e2e tests cover the transport.
 */
export class FakeRendererClient {
  readonly enqueued: RenderJob[] = [];
  readonly acks: RendererRequest<'render.ack'>[] = [];
  readonly cancelled: number[] = [];
  up = true;
  private started = new Map<number, RenderStarted>();
  private results = new Map<number, RenderResult>();
  private wake: (() => void) | null = null;
  private readonly dropListeners: (() => void)[] = [];

  onLinkDropped(listener: () => void): void {
    this.dropListeners.push(listener);
  }

  /** The link drops: every listener hears it, and sends fail until `up` is set again. */
  drop(): void {
    this.up = false;
    for (const listener of this.dropListeners) listener();
  }

  report(started: RenderStarted[], results: RenderResult[] = []): void {
    for (const signal of started) this.started.set(signal.suggestionId, signal);
    for (const result of results) this.results.set(result.suggestionId, result);
    this.wake?.();
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
        const { jobs } = request as RendererRequest<'render.enqueue'>;
        for (const job of jobs)
          if (!this.enqueued.some((j) => j.suggestionId === job.suggestionId)) this.enqueued.push(job);
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
      case RendererPattern.Cancel:
        this.cancelled.push((request as RendererRequest<'render.cancel'>).suggestionId);
        return { cancelled: true };
      case RendererPattern.Pause:
        return { paused: true };
      case RendererPattern.Resume:
        return { paused: false };
      case RendererPattern.Catalog:
        return { models: [], samplers: [], unavailable: 'fake' };
    }
  }

  private status(): RendererStatus {
    return {
      backend: 'preview',
      backendDescription: 'fake renderer',
      sdReachable: false,
      sdError: null,
      paused: false,
      waitingForSd: false,
      pauseReason: null,
      queueLength: this.enqueued.length,
      queuedIds: [],
      current: null,
      unacknowledgedResults: this.results.size,
      workers: [],
    };
  }
}

export function renderedResult(suggestionId: number, seed = 7): RenderResult {
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
