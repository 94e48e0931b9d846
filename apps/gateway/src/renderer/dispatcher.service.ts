import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RendererPattern, type RenderJob } from '#contracts';
import type { Subscription } from 'rxjs';
import { LiveEventsService } from '../live/live-events.service.js';
import { PictureService } from '../pictures/picture.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { RendererClient } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';

const DISPATCH_BATCH = 200;
const MISSING_PICTURE = 'The picture for this prompt is missing.';

/**
 * Hands approved suggestions to the renderer. The gateway's database is the source of truth:
 * - a suggestion goes as soon as it is approved (or retried) and the link is up;
 * - whenever the link comes (back) up, every approved-but-unfinished suggestion goes again: the renderer's
 *   queue is in memory and its enqueue is idempotent by suggestion id, so this is safe after any drop.
 * Overlapping calls are coalesced: a dispatch asked for while one runs runs once more after it.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
  private subscription?: Subscription;
  private running: Promise<void> | null = null;
  private again = false;
  private resyncDue = true;

  constructor(
    private readonly client: RendererClient,
    private readonly link: RendererLink,
    private readonly queries: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly pictures: PictureService,
    private readonly live: LiveEventsService,
  ) {}

  onApplicationBootstrap(): void {
    this.link.onUp(() => {
      this.resyncDue = true;
      void this.dispatch();
    });
    // Approved (or retried back to approved): send it now rather than at the next resync.
    this.subscription = this.live.suggestions().subscribe((event) => {
      if (event.type === 'suggestion.status' && event.status === 'approved') this.nudge();
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  nudge(): void {
    if (this.link.connected) void this.dispatch();
  }

  dispatch(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.sendWaiting();
        } while (this.again && this.link.connected && !this.link.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async sendWaiting(): Promise<void> {
    const resync = this.resyncDue;
    this.resyncDue = false;
    const statuses = resync ? UNFINISHED_STATUSES : (['approved'] as const);
    try {
      const generation = await this.settings.generation();
      let afterId = 0;
      for (;;) {
        const batch = await this.queries.listForDispatch(statuses, afterId, DISPATCH_BATCH);
        if (batch.length === 0) break;
        afterId = batch[batch.length - 1].id;
        const toJob = (suggestion: SuggestionEntity): RenderJob => ({
          suggestionId: suggestion.id,
          prompt: suggestion.prompt,
          width: suggestion.width,
          height: suggestion.height,
          settings: generation,
          colourHex: suggestion.user?.colourHex ?? '#808080',
        });
        const plain = batch.filter((suggestion) => !suggestion.pictureFile).map(toJob);
        const accepted =
          plain.length > 0 ? (await this.client.send(RendererPattern.Enqueue, { jobs: plain })).accepted : [];
        accepted.push(...(await this.sendWithPictures(batch, toJob)));
        await this.lifecycle.queue(accepted);
        if (batch.length < DISPATCH_BATCH) break;
      }
      if (resync) this.logger.log('Renderer is in sync: every approved prompt has been handed over.');
    } catch (error) {
      if (resync) this.resyncDue = true;
      this.link.reportFailure(error);
    }
  }

  /**
   * Jobs with a picture carry it as base64 (megabytes each), so they are read and sent one at a time: at
   * most one picture is in memory, and a batch never grows into a huge frame.
   */
  private async sendWithPictures(
    batch: SuggestionEntity[],
    toJob: (suggestion: SuggestionEntity) => RenderJob,
  ): Promise<number[]> {
    const accepted: number[] = [];
    for (const suggestion of batch) {
      if (!suggestion.pictureFile) continue;
      const initImage = await this.pictures.readBase64(suggestion.pictureFile);
      if (initImage === null) {
        // Without its picture the job cannot be what the guest asked for; say so rather than guess.
        this.logger.warn(`Suggestion ${suggestion.id}: its picture file is missing; marked failed.`);
        await this.lifecycle.fail(suggestion.id, MISSING_PICTURE);
        continue;
      }
      const reply = await this.client.send(RendererPattern.Enqueue, {
        jobs: [{ ...toJob(suggestion), initImage }],
      });
      accepted.push(...reply.accepted);
    }
    return accepted;
  }
}
