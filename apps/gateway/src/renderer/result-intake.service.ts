import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RendererPattern, type RenderResult, type RenderStarted } from '#contracts';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { RenderOutputService } from './render-output.service.js';
import { RendererClient } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';
import { Sleeper } from './sleeper.js';

const RESULTS_WAIT_MS = 5_000;
const RESULTS_BATCH = 100;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Takes what the renderer reports, by long poll: start signals (→ rendering) and results (the image is
 * written to OUTPUT_DIR, then → rendered; or → failed with the reason). Everything is acknowledged only
 * once recorded, so a crash in between at worst fetches the same report again, and the lifecycle records
 * each transition once: every image is stored exactly once.
 */
@Injectable()
export class ResultIntake implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ResultIntake');
  private readonly sleeper = new Sleeper();

  constructor(
    private readonly client: RendererClient,
    private readonly link: RendererLink,
    private readonly queries: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly output: RenderOutputService,
  ) {}

  onApplicationBootstrap(): void {
    void this.loop();
  }

  onApplicationShutdown(): void {
    this.sleeper.stop();
  }

  private async loop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.sleeper.stopped) {
      if (!this.link.connected) {
        await this.sleeper.sleep(RETRY_MIN_MS);
        continue;
      }
      try {
        const { started, results } = await this.client.send(
          RendererPattern.Results,
          { waitMs: RESULTS_WAIT_MS, max: RESULTS_BATCH },
          RESULTS_WAIT_MS + 10_000,
        );
        if (started.length + results.length === 0) continue;
        // Starts first: a job that finished at once still passes through `rendering`.
        for (const signal of started) await this.recordStart(signal);
        for (const result of results) await this.record(result);
        await this.client.send(RendererPattern.Ack, {
          suggestionIds: results.map((result) => result.suggestionId),
          started: started.map((signal) => signal.suggestionId),
        });
        delay = RETRY_MIN_MS;
      } catch (error) {
        this.link.reportFailure(error);
        await this.sleeper.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private async recordStart(signal: RenderStarted): Promise<void> {
    // Refused when it is already further on (or gone): nothing to record, the signal is acknowledged.
    // The gateway's own clock, like every other time it records: the renderer's may be another machine's.
    await this.lifecycle.start(signal.suggestionId);
  }

  /** Stores one result exactly once; a result for a suggestion no longer waiting is just acknowledged. */
  async record(result: RenderResult): Promise<void> {
    const suggestion = await this.queries.findWithAuthor(result.suggestionId);
    if (!suggestion || !(UNFINISHED_STATUSES as readonly string[]).includes(suggestion.status)) return;
    if (result.status === 'failed') {
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
  }
}
