import { Injectable } from '@nestjs/common';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderOrderRepository } from './render-order.repository.js';
import type { Refused } from './suggestion-lifecycle.service.js';
import { SuggestionsRepository } from './suggestions.repository.js';

/** Render next went through: put first, or already with a worker (then it is a job or two away anyway). */
export type RenderNextResult = { ok: true; suggestionId: number; alreadySent: boolean } | Refused;

/** The host's say in the order of rendering. */
@Injectable()
export class RenderOrder {
  constructor(
    private readonly order: RenderOrderRepository,
    private readonly suggestions: SuggestionsRepository,
    private readonly live: LiveEventsService,
  ) {}

  /** Puts an approved suggestion before every other waiting one (after earlier Render next presses). */
  async renderNext(id: number, at = new Date()): Promise<RenderNextResult> {
    const moved = await this.order.renderNext(id, at);
    if (moved) {
      this.live.emit({ type: 'suggestion.reordered', suggestionId: moved.id, userId: moved.userId });
      return { ok: true, suggestionId: id, alreadySent: false };
    }
    const status = await this.suggestions.statusOf(id);
    if (status === undefined) return { ok: false, suggestionId: id, reason: 'not-found' };
    if (status === 'queued' || status === 'rendering')
      return { ok: true, suggestionId: id, alreadySent: true };
    return { ok: false, suggestionId: id, reason: 'wrong-status', status };
  }
}
