import { Injectable, Logger } from '@nestjs/common';
import { RendererPattern } from '#contracts';
import { GatewayConfig } from '../config/gateway.config.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { parseWorkerKey, RendererPool, type WorkerView } from './renderer-pool.service.js';
import { WorkBoard } from './work-board.js';

/**
 * Takes unfinished work back from workers that cannot work: a renderer gone, an SD server away, or a worker
 * the host paused. After RENDERER_GRACE_MS (and only while another worker can work) their unfinished
 * suggestions are stopped there if the renderer still answers, wait again first in line, and the dispatcher
 * sends them elsewhere. A paused worker keeps the job it has started. If the lost renderer comes back with
 * a result for one of them, the result intake finds it went elsewhere and discards it.
 */
@Injectable()
export class HandOver {
  private readonly logger = new Logger('HandOver');
  /** Since when each worker holding jobs has been unable to work. */
  private readonly unusableSince = new Map<string, number>();

  constructor(
    private readonly pool: RendererPool,
    private readonly board: WorkBoard,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly config: GatewayConfig,
  ) {}

  /** Workers whose jobs are due to go elsewhere: unable to work for the grace period, with others able. */
  due(workers: readonly WorkerView[]): string[] {
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
      if (this.jobsToTake(key, view).length > 0) due.push(key);
    }
    return due;
  }

  /** Takes back what is due from every worker that is due. */
  async takeBack(workers: readonly WorkerView[]): Promise<void> {
    const byKey = new Map(workers.map((worker) => [worker.key, worker]));
    for (const key of this.due(workers)) {
      const ids = this.jobsToTake(key, byKey.get(key));
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

  /** All its unfinished jobs, except the one a worker the host paused is still rendering. */
  private jobsToTake(key: string, view: WorkerView | undefined): number[] {
    const keep =
      view && view.status.paused && !view.status.waitingForSd ? view.status.current?.suggestionId : undefined;
    return this.board
      .jobs(key)
      .map((job) => job.id)
      .filter((id) => id !== keep);
  }
}

/** "SD server 2 of renderer gpu-box:4001", for the host's log. */
export function describeWorker(key: string): string {
  const { renderer, index } = parseWorkerKey(key);
  return `SD server ${index + 1} of renderer ${renderer}`;
}
