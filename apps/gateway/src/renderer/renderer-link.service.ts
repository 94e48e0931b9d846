import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  RendererPattern,
  type CatalogReply,
  type RenderJob,
  type RenderResult,
  type RendererStatus,
} from '#contracts';
import { ImagePromptsService } from '../image-prompts/image-prompts.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { SuggestionsRepository, UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { RenderOutputService } from './render-output.service.js';
import { RendererClient } from './renderer.client.js';

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'down';

const DISPATCH_BATCH = 200;
const RESULTS_WAIT_MS = 5_000;
const RESULTS_BATCH = 100;
const STATUS_INTERVAL_MS = 1_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
/** The settings page waits this long at most for SD's lists. */
const CATALOG_TIMEOUT_MS = 3_000;

/**
 * Keeps the renderer supplied and collects what it makes. The gateway's database is the source of truth:
 * - approved prompts are sent as soon as they are approved (and the link is up);
 * - after any drop of the link, every approved-but-unfinished prompt is sent again (the renderer's queue is
 *   in memory and enqueue is idempotent by prompt id, so this is safe);
 * - results are fetched by long poll, stored, and only then acknowledged, so a crash between the two at
 *   worst fetches the same result again, which markRendered records once.
 * The gateway starts and serves guests with the renderer down; these loops keep retrying on their own.
 */
@Injectable()
export class RendererLinkService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RendererLink');
  private state: LinkState = 'connecting';
  private lastStatus: RendererStatus | null = null;
  private needsResync = true;
  private stopped = false;
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly client: RendererClient,
    private readonly suggestions: SuggestionsRepository,
    private readonly output: RenderOutputService,
    private readonly settings: SettingsService,
    private readonly live: LiveEventsService,
    private readonly imagePrompts: ImagePromptsService,
  ) {
    this.client.onLinkDropped(() => this.linkLost());
  }

  onApplicationBootstrap(): void {
    void this.statusLoop();
    void this.resultsLoop();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const wake of this.wakers) wake();
  }

  get link(): { state: LinkState; status: RendererStatus | null } {
    return { state: this.state, status: this.lastStatus };
  }

  /** The checkpoints and samplers SD offers, for the settings page; empty with a reason when unknown. */
  async catalog(): Promise<CatalogReply> {
    if (this.state !== 'connected') {
      return { models: [], samplers: [], unavailable: 'The renderer is not connected.' };
    }
    try {
      return await this.client.send(RendererPattern.Catalog, {}, CATALOG_TIMEOUT_MS);
    } catch {
      return { models: [], samplers: [], unavailable: 'The renderer is not connected.' };
    }
  }

  /** Called after an approval: send what is waiting now rather than at the next status tick. */
  nudge(): void {
    if (this.state !== 'connected') return;
    void this.dispatch();
  }

  /** Sends approved prompts (or, after a drop, every unfinished one). Coalesces overlapping calls. */
  dispatch(): Promise<void> {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return this.dispatching;
    }
    this.dispatching = (async () => {
      try {
        do {
          this.dispatchAgain = false;
          await this.sendWaiting();
        } while (this.dispatchAgain && !this.stopped);
      } finally {
        this.dispatching = null;
      }
    })();
    return this.dispatching;
  }

  private async sendWaiting(): Promise<void> {
    const resync = this.needsResync;
    this.needsResync = false;
    const statuses = resync ? UNFINISHED_STATUSES : (['approved'] as const);
    const generation = await this.settings.generation();
    let afterId = 0;
    try {
      for (;;) {
        const batch = await this.suggestions.listForDispatch([...statuses], afterId, DISPATCH_BATCH);
        if (batch.length === 0) break;
        afterId = batch[batch.length - 1].id;
        const toJob = (suggestion: (typeof batch)[number]): RenderJob => ({
          promptId: suggestion.id,
          prompt: suggestion.prompt,
          width: suggestion.width,
          height: suggestion.height,
          settings: generation,
          colourHex: suggestion.user?.colourHex ?? '#808080',
        });
        const plain = batch.filter((suggestion) => !suggestion.initImageFile).map(toJob);
        const accepted =
          plain.length > 0 ? (await this.client.send(RendererPattern.Enqueue, { jobs: plain })).accepted : [];
        accepted.push(...(await this.sendImageJobs(batch, toJob)));
        await this.suggestions.markQueued(accepted);
        const owners = new Map(batch.map((suggestion) => [suggestion.id, suggestion]));
        for (const id of accepted) {
          const suggestion = owners.get(id);
          if (suggestion?.status === 'approved') {
            this.live.emit({ type: 'suggestion.status', userId: suggestion.userId, id, status: 'queued' });
          }
        }
        if (batch.length < DISPATCH_BATCH) break;
      }
      if (resync) this.logger.log('Renderer is in sync: every approved prompt has been handed over.');
    } catch (error) {
      if (resync) this.needsResync = true;
      this.linkFailed(error);
    }
  }

  /**
   * img2img jobs carry their picture as base64 (megabytes each), so they are read and sent one at a time:
   * at most one picture is in memory, and a batch never grows into a huge frame.
   */
  private async sendImageJobs<T extends { id: number; initImageFile: string | null }>(
    batch: T[],
    toJob: (suggestion: T) => RenderJob,
  ): Promise<number[]> {
    const accepted: number[] = [];
    for (const suggestion of batch) {
      if (!suggestion.initImageFile) continue;
      const initImage = await this.imagePrompts.readBase64(suggestion.initImageFile);
      if (initImage === null) {
        // Without its picture the job cannot be what the guest asked for; say so rather than guess.
        this.logger.warn(`Prompt ${suggestion.id}: its picture file is missing; marked failed.`);
        await this.suggestions.markFailed(suggestion.id, 'The picture for this prompt is missing.');
        continue;
      }
      const reply = await this.client.send(RendererPattern.Enqueue, {
        jobs: [{ ...toJob(suggestion), initImage }],
      });
      accepted.push(...reply.accepted);
    }
    return accepted;
  }

  private async statusLoop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        const status = await this.client.send(RendererPattern.Status, {});
        this.lastStatus = status;
        if (this.state !== 'connected') {
          this.logger.log(`Renderer connected (${status.backendDescription}).`);
          this.state = 'connected';
        }
        if (status.current && (await this.suggestions.markRendering(status.current.promptId))) {
          const rendering = await this.suggestions.findById(status.current.promptId);
          this.live.emit({
            type: 'suggestion.status',
            userId: rendering?.userId ?? null,
            id: status.current.promptId,
            status: 'rendering',
          });
        }
        this.live.emit({ type: 'renderer.status', userId: null });
        await this.dispatch();
        delay = RETRY_MIN_MS;
        await this.sleep(STATUS_INTERVAL_MS);
      } catch (error) {
        this.linkFailed(error);
        await this.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private async resultsLoop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped) {
      if (this.state !== 'connected') {
        await this.sleep(RETRY_MIN_MS);
        continue;
      }
      try {
        const { results } = await this.client.send(
          RendererPattern.Results,
          { waitMs: RESULTS_WAIT_MS, max: RESULTS_BATCH },
          RESULTS_WAIT_MS + 10_000,
        );
        if (results.length === 0) continue;
        const stored: number[] = [];
        for (const result of results) {
          await this.record(result);
          stored.push(result.promptId);
        }
        await this.client.send(RendererPattern.Ack, { promptIds: stored });
        delay = RETRY_MIN_MS;
      } catch (error) {
        this.linkFailed(error);
        await this.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** Stores one result exactly once; a result for a prompt that is no longer waiting is just acknowledged. */
  private async record(result: RenderResult): Promise<void> {
    const suggestion = await this.suggestions.findWithAuthor(result.promptId);
    if (!suggestion || !UNFINISHED_STATUSES.includes(suggestion.status)) return;
    if (result.status === 'failed') {
      await this.suggestions.markFailed(result.promptId, result.reason);
      this.live.emit({
        type: 'suggestion.status',
        userId: suggestion.userId,
        id: suggestion.id,
        status: 'failed',
        reason: result.reason,
      });
      this.logger.warn(
        `Prompt #${result.promptId} failed after ${result.attempts} attempt(s): ${result.reason}`,
      );
      return;
    }
    const renderedAt = new Date();
    const imageFile = await this.output.store(suggestion, result, renderedAt);
    if (await this.suggestions.markRendered(result.promptId, { seed: result.seed, imageFile }, renderedAt)) {
      this.live.emit({
        type: 'suggestion.status',
        userId: suggestion.userId,
        id: suggestion.id,
        status: 'rendered',
      });
    }
  }

  private linkLost(): void {
    this.needsResync = true;
    if (this.state === 'connected') {
      this.state = 'reconnecting';
      this.logger.warn('Lost the link to the renderer; reconnecting.');
    }
  }

  private linkFailed(error: unknown): void {
    this.needsResync = true;
    if (this.state === 'connected' || this.state === 'connecting') {
      this.logger.warn(
        `Renderer unreachable (${error instanceof Error ? error.message : String(error)}); retrying.`,
      );
    }
    this.state = this.state === 'connected' ? 'reconnecting' : 'down';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
