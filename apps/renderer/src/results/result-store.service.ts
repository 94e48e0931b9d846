import { Inject, Injectable } from '@nestjs/common';
import type {
  AckReply,
  AckRequest,
  RenderResult,
  RenderStarted,
  ResultsReply,
  ResultsRequest,
} from '#contracts';
import { RENDERER_CONFIG, type RendererConfig } from '../config/renderer.config.js';

/**
 * What the renderer owes the gateway: start signals and finished results, each kept until the gateway
 * acknowledges it, so a reply lost on the way is simply sent again by the next poll. The gateway's
 * database is the source of truth; nothing here needs to survive the process.
 */
@Injectable()
export class ResultStore {
  private readonly started = new Map<number, RenderStarted>();
  private readonly results = new Map<number, RenderResult>();
  private readonly waiters = new Set<() => void>();
  /** Largest total of image characters one reply carries, so it stays well inside a frame. */
  private readonly replyBudgetChars: number;
  private closed = false;

  constructor(@Inject(RENDERER_CONFIG) config: RendererConfig) {
    this.replyBudgetChars = Math.floor(config.maxFrameBytes / 2);
  }

  /** Whether the gateway is still owed a result for this job (it must not be queued again). */
  hasResult(suggestionId: number): boolean {
    return this.results.has(suggestionId);
  }

  get unacknowledged(): number {
    return this.results.size;
  }

  addStarted(signal: RenderStarted): void {
    this.started.set(signal.suggestionId, signal);
    this.wake();
  }

  /** A cancelled job never started as far as the gateway is concerned. */
  forgetStarted(suggestionId: number): void {
    this.started.delete(suggestionId);
  }

  addResult(result: RenderResult): void {
    this.results.set(result.suggestionId, result);
    this.wake();
  }

  /**
   * Long poll: answers at once when anything is waiting, otherwise when the first signal arrives or after
   * `waitMs`. Every start signal goes out with the reply (they are tiny); results fill it up to `max` and
   * the size budget.
   */
  async take({ waitMs, max }: ResultsRequest): Promise<ResultsReply> {
    if (this.isEmpty() && waitMs > 0 && !this.closed) await this.waitForAny(waitMs);
    const results: RenderResult[] = [];
    let chars = 0;
    for (const result of this.results.values()) {
      const size = result.status === 'rendered' ? result.image.length : result.reason.length;
      if (results.length > 0 && chars + size > this.replyBudgetChars) break;
      results.push(result);
      chars += size;
      if (results.length >= max) break;
    }
    return { started: [...this.started.values()].slice(0, 1000), results };
  }

  ack({ suggestionIds, started = [] }: AckRequest): AckReply {
    let acknowledged = 0;
    for (const id of suggestionIds) if (this.results.delete(id)) acknowledged++;
    for (const id of started) if (this.started.delete(id)) acknowledged++;
    return { acknowledged };
  }

  /** Ends every waiting poll (shutdown). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private isEmpty(): boolean {
    return this.results.size === 0 && this.started.size === 0;
  }

  private waitForAny(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    // Each waker removes itself; deleting visited entries while iterating a Set is well defined.
    for (const wake of this.waiters) wake();
  }
}
