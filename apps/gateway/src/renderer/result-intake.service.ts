import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RendererPattern, type RenderResult, type RenderStarted } from '#contracts';
import { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { RenderOutputService } from './render-output.service.js';
import { RenderTimes } from './render-times.service.js';
import { RendererPool, workerKey, type RendererConnection } from './renderer-pool.service.js';
import { Sleeper } from './sleeper.js';

const RESULTS_WAIT_MS = 5_000;
const RESULTS_BATCH = 100;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Takes what each renderer reports, by long poll (one loop per renderer): start signals (→ rendering) and
 * results (the image is written to OUTPUT_DIR, then → rendered; or → failed with the reason). Everything
 * is acknowledged only once recorded, so a crash in between at worst fetches the same report again, and
 * the lifecycle records each transition once: every image is stored exactly once.
 *
 * With several workers a suggestion may be reported by one it no longer belongs to (handed over while its
 * renderer was away). The first image wins, whoever drew it; a later one for a suggestion already rendered
 * is discarded and acknowledged. A failure or a start counts only from the worker the suggestion is with.
 */
@Injectable()
export class ResultIntake implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ResultIntake');
  private readonly sleeper = new Sleeper();
  /** One record per suggestion at a time, whichever renderer reports it. */
  private readonly recording = new Map<number, Promise<void>>();

  constructor(
    private readonly pool: RendererPool,
    private readonly order: RenderOrderRepository,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly output: RenderOutputService,
    private readonly times: RenderTimes,
  ) {}

  onApplicationBootstrap(): void {
    for (const connection of this.pool.connections) void this.loop(connection);
  }

  onApplicationShutdown(): void {
    this.sleeper.stop();
  }

  private async loop(connection: RendererConnection): Promise<void> {
    const { client, link } = connection;
    let delay = RETRY_MIN_MS;
    while (!this.sleeper.stopped) {
      if (!link.connected) {
        await this.sleeper.sleep(RETRY_MIN_MS);
        continue;
      }
      try {
        const { started, results } = await client.send(
          RendererPattern.Results,
          { waitMs: RESULTS_WAIT_MS, max: RESULTS_BATCH },
          RESULTS_WAIT_MS + 10_000,
        );
        if (started.length + results.length === 0) continue;
        // Starts first: a job that finished at once still passes through `rendering`.
        for (const signal of started) await this.recordStart(signal, connection);
        for (const result of results) await this.record(result, connection);
        await client.send(RendererPattern.Ack, {
          suggestionIds: results.map((result) => result.suggestionId),
          started: started.map((signal) => signal.suggestionId),
        });
        delay = RETRY_MIN_MS;
      } catch (error) {
        link.reportFailure(error);
        await this.sleeper.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private async recordStart(signal: RenderStarted, from: RendererConnection): Promise<void> {
    // Refused when it is already further on, gone, or with another worker: the signal is acknowledged.
    // The gateway's own clock, like every other time it records: the renderer's may be another machine's.
    await this.lifecycle.start(signal.suggestionId, new Date(), workerKey(from.key, signal.worker ?? 0));
  }

  /**
   * Stores one result exactly once; a result for a suggestion no longer waiting is just acknowledged.
   * `from` is the renderer that reported it (tests may leave it out: then any worker's result counts).
   */
  async record(result: RenderResult, from?: RendererConnection): Promise<void> {
    const id = result.suggestionId;
    const previous = this.recording.get(id) ?? Promise.resolve();
    const current = previous.then(() => this.recordAlone(result, from));
    const settled = current.catch(() => undefined);
    this.recording.set(id, settled);
    try {
      await current;
    } finally {
      if (this.recording.get(id) === settled) this.recording.delete(id);
    }
  }

  private async recordAlone(result: RenderResult, from: RendererConnection | undefined): Promise<void> {
    const [suggestion] = await this.order.findForRender([result.suggestionId]);
    if (!suggestion || !(UNFINISHED_STATUSES as readonly string[]).includes(suggestion.status)) return;
    const worker = from ? workerKey(from.key, result.worker ?? 0) : null;
    if (result.status === 'failed') {
      // A worker the suggestion was taken from says nothing about it: the one it is with now decides.
      if (worker !== null && suggestion.worker !== worker) return;
      const failed = await this.lifecycle.fail(result.suggestionId, result.reason);
      if (failed.ok) {
        this.logger.warn(
          `Suggestion #${result.suggestionId} failed after ${result.attempts} attempt(s): ${result.reason}`,
        );
      }
      return;
    }
    const renderedAt = new Date();
    const file = await this.output.store(suggestion, result, renderedAt);
    const rendered = await this.lifecycle.render(
      result.suggestionId,
      { seed: result.seed, file },
      renderedAt,
    );
    // Deleted with its author while the files were written: leave nothing of it behind.
    if (!rendered.ok && rendered.reason === 'not-found') await this.output.remove(suggestion.id, file);
    if (!rendered.ok || worker === null) return;
    this.times.record(
      worker,
      suggestion.width,
      suggestion.height,
      Date.parse(result.finishedAt) - Date.parse(result.startedAt),
    );
    if (suggestion.worker !== null && suggestion.worker !== worker) {
      // Drawn by the worker it was taken from: the one it went to since need not draw it too.
      this.logger.log(`Suggestion #${result.suggestionId} was drawn by ${worker}, its earlier worker.`);
      await this.pool
        .connectionOf(suggestion.worker)
        ?.client.send(RendererPattern.Cancel, { suggestionId: result.suggestionId })
        .catch(() => undefined);
    }
  }
}
