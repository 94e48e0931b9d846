import { Injectable, Logger } from '@nestjs/common';
import { RendererPattern, type RenderJob } from '#contracts';
import { PictureService } from '../pictures/picture.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { RenderOrderRepository, type RenderSubject } from '../suggestions/render-order.repository.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { parseWorkerKey, type RendererConnection, type WorkerView } from './renderer-pool.service.js';
import { WorkBoard } from './work-board.js';

const ENQUEUE_BATCH = 200;
const MISSING_PICTURE = 'The picture for this prompt is missing.';

/**
 * What goes over the wire to a renderer's workers: jobs as the contract has them (the settings of the
 * moment, the author's colour, a picture as base64), and a renderer's resync when its link comes (back) up.
 */
@Injectable()
export class JobSender {
  private readonly logger = new Logger('JobSender');

  constructor(
    private readonly board: WorkBoard,
    private readonly order: RenderOrderRepository,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly pictures: PictureService,
  ) {}

  /**
   * Sends suggestions to one worker and records what the renderer accepted as queued. Ones it did not
   * accept (it has no such worker) wait again; one whose picture is gone fails, saying so. A send that
   * throws leaves them with the worker: they are sent again when its link is back, or handed to others
   * after the grace period.
   */
  async send(connection: RendererConnection, index: number, key: string, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const generation = await this.settings.generation();
    const toJob = (suggestion: RenderSubject): RenderJob => ({
      suggestionId: suggestion.id,
      prompt: suggestion.prompt,
      width: suggestion.width,
      height: suggestion.height,
      settings: generation,
      colourHex: suggestion.colourHex,
    });
    const rows = await this.order.findForRender(ids);
    const accepted: number[] = [];
    const plain = rows.filter((suggestion) => !suggestion.pictureFile).map(toJob);
    for (let i = 0; i < plain.length; i += ENQUEUE_BATCH) {
      const jobs = plain.slice(i, i + ENQUEUE_BATCH);
      accepted.push(
        ...(await connection.client.send(RendererPattern.Enqueue, { jobs, worker: index })).accepted,
      );
    }
    const failed = new Set<number>();
    // Jobs with a picture carry it as base64 (megabytes each): read and sent one at a time.
    for (const suggestion of rows) {
      if (!suggestion.pictureFile) continue;
      const initImage = await this.pictures.readBase64(suggestion.pictureFile);
      if (initImage === null) {
        // Without its picture the job cannot be what the guest asked for; say so rather than guess.
        this.logger.warn(`Suggestion ${suggestion.id}: its picture file is missing; marked failed.`);
        failed.add(suggestion.id);
        await this.lifecycle.fail(suggestion.id, MISSING_PICTURE);
        continue;
      }
      const reply = await connection.client.send(RendererPattern.Enqueue, {
        jobs: [{ ...toJob(suggestion), initImage }],
        worker: index,
      });
      accepted.push(...reply.accepted);
    }
    const taken = new Set(accepted);
    const refused = ids.filter((id) => !taken.has(id) && !failed.has(id));
    if (refused.length > 0) {
      for (const id of await this.order.unassign(refused, key)) this.board.remove(id);
    }
    await this.lifecycle.queue(accepted);
  }

  /**
   * A renderer is (back): it drops what went elsewhere meanwhile and gets its own unfinished jobs again
   * (its queue is in memory, its enqueue idempotent).
   */
  async resync(connection: RendererConnection, workers: readonly WorkerView[]): Promise<void> {
    const own = workers.filter((worker) => worker.connection === connection);
    for (const worker of own) {
      const mine = new Set(this.board.jobs(worker.key).map((job) => job.id));
      const held = [...worker.status.queuedIds];
      if (worker.status.current) held.push(worker.status.current.suggestionId);
      for (const suggestionId of held) {
        if (!mine.has(suggestionId)) await connection.client.send(RendererPattern.Cancel, { suggestionId });
      }
    }
    let resent = 0;
    for (const key of this.board.workers()) {
      const { renderer, index } = parseWorkerKey(key);
      if (renderer !== connection.key || !own.some((worker) => worker.index === index)) continue;
      const ids = this.board.jobs(key).map((job) => job.id);
      await this.send(connection, index, key, ids);
      resent += ids.length;
    }
    this.logger.log(
      `Renderer ${connection.key} is in sync: its ${resent} unfinished prompt(s) handed over again.`,
    );
  }
}
