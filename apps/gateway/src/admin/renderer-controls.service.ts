import { Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { RendererPattern, WORKER_LIMITS } from '#contracts';
import { RendererError, RendererUnreachableError } from '../renderer/renderer.client.js';
import { RendererPool, workersOf } from '../renderer/renderer-pool.service.js';
import { RenderOrder } from '../suggestions/render-order.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { refusal } from '../suggestions/transition-refusal.js';
import { RendererPanelService } from './renderer-panel.service.js';

/**
 * What the host can do from the renderer panel: pause and resume (every SD server or one), Render next,
 * Retry and Cancel. Each answers with a typed refusal when it does not apply, and a renderer that cannot be
 * reached is a 503 saying to try again; the panel is recomputed after each.
 */
@Injectable()
export class RendererControls {
  constructor(
    private readonly pool: RendererPool,
    private readonly renderOrder: RenderOrder,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly queries: SuggestionQueries,
    private readonly panel: RendererPanelService,
  ) {}

  /**
   * Pauses (or resumes) one worker, given as its renderer's and its own index, or every worker of every
   * connected renderer.
   */
  async setPaused(
    paused: boolean,
    target?: { renderer: number; worker: number },
  ): Promise<{ paused: boolean }> {
    const pattern = paused ? RendererPattern.Pause : RendererPattern.Resume;
    const connections = target
      ? [this.pool.connections[target.renderer]].filter((connection) => connection !== undefined)
      : this.pool.connections.filter((connection) => connection.link.connected);
    if (target) {
      const status = connections[0]?.link.connected ? connections[0].link.view.status : null;
      const known = connections[0] && (!status || workersOf(status).some((w) => w.index === target.worker));
      if (!known || target.worker < 0 || target.worker >= WORKER_LIMITS.maxPerRenderer) {
        throw new NotFoundException(
          `There is no SD server ${target.worker + 1} on renderer ${target.renderer + 1}.`,
        );
      }
    }
    if (connections.length === 0) {
      throw unavailable(new RendererUnreachableError('The renderer is not reachable.'));
    }
    try {
      let reply = { paused };
      for (const connection of connections) {
        reply = await connection.client.send(pattern, target ? { worker: target.worker } : {});
      }
      this.panel.refresh();
      return reply;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Render next: the suggestion goes before every other waiting one. */
  async renderNext(id: number): Promise<{ id: number; status: SuggestionStatus; next: boolean }> {
    const result = await this.renderOrder.renderNext(id);
    if (!result.ok) {
      throw refusal(
        result,
        (status) => `Prompt #${id} is ${status}; only an approved prompt waiting to render can go next.`,
      );
    }
    this.panel.refresh();
    return { id, status: result.alreadySent ? 'queued' : 'approved', next: true };
  }

  /** A failed suggestion goes back to approved; the dispatcher sends it again. */
  async retry(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    const result = await this.lifecycle.retry(id);
    if (!result.ok) {
      throw refusal(
        result,
        (status) => `Prompt #${id} has not failed (${status}); only failed prompts can be retried.`,
      );
    }
    return { id, status: 'approved' };
  }

  /** Cancels a suggestion that is approved but not rendered yet; it is recorded as failed, so it can be retried. */
  async cancel(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    const existing = await this.queries.findById(id);
    const notWaiting = (status: SuggestionStatus) =>
      `Prompt #${id} is ${status}; only a prompt waiting to render can be cancelled.`;
    if (!existing) throw refusal({ ok: false, suggestionId: id, reason: 'not-found' }, notWaiting);
    if (!(UNFINISHED_STATUSES as readonly string[]).includes(existing.status)) {
      throw refusal(
        { ok: false, suggestionId: id, reason: 'wrong-status', status: existing.status },
        notWaiting,
      );
    }
    const connection = existing.worker ? this.pool.connectionOf(existing.worker) : undefined;
    if (connection) {
      try {
        await connection.client.send(RendererPattern.Cancel, { suggestionId: id });
      } catch (error) {
        throw unavailable(error);
      }
    }
    const result = await this.lifecycle.cancel(id);
    if (!result.ok) {
      throw refusal(result, () => `Prompt #${id} finished before it could be cancelled.`);
    }
    return { id, status: 'failed' };
  }
}

function unavailable(error: unknown): ServiceUnavailableException {
  const detail = error instanceof RendererError ? error.message : String(error);
  return new ServiceUnavailableException(`${detail} Try again in a moment.`);
}
