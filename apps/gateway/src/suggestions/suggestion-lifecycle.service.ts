import { Injectable } from '@nestjs/common';
import { LiveEventsService } from '../live/live-events.service.js';
import type { SuggestionStatus } from './suggestion.entity.js';
import { SuggestionsRepository, type Changed, type NewSuggestion } from './suggestions.repository.js';

/** A transition that applied: the suggestion and its author, as the statement returned them. */
export interface Applied {
  ok: true;
  suggestionId: number;
  userId: number;
}

/** A transition that did not apply, and why: never a silent no-op. */
export type Refused =
  | { ok: false; suggestionId: number; reason: 'not-found' }
  | { ok: false; suggestionId: number; reason: 'wrong-status'; status: SuggestionStatus };

export type Transition = Applied | Refused;

export type Submitted =
  | { ok: true; suggestionId: number; userId: number; submittedAt: Date }
  | { ok: false; reason: 'pending-limit' };

/** Recorded on each suggestion denied because its author was banned. */
export const BANNED_REASON = 'Its author was banned by the host.';
export const CANCELLED_REASON = 'Cancelled by the host';

/**
 * The only code that changes a suggestion's status. One method per transition; each is one conditional
 * statement that returns what the caller and the event need, followed by one typed event:
 *
 *   submit → pending → approve | deny → approved | denied
 *   approved → queue → queued → start → rendering → render | fail → rendered | failed
 *   (approved or queued may also start, render or fail directly: a result can overtake its signals)
 *   approved | queued | rendering → handOver → approved (its worker was lost; it goes first)
 *   failed → retry → approved
 */
@Injectable()
export class SuggestionLifecycle {
  constructor(
    private readonly repository: SuggestionsRepository,
    private readonly live: LiveEventsService,
  ) {}

  async submit(suggestion: NewSuggestion, maxPending: number, at = new Date()): Promise<Submitted> {
    const id = await this.repository.insertWithinPendingLimit(suggestion, maxPending, at);
    if (id === null) return { ok: false, reason: 'pending-limit' };
    this.live.emit({ type: 'suggestion.created', suggestionId: id, userId: suggestion.userId });
    return { ok: true, suggestionId: id, userId: suggestion.userId, submittedAt: at };
  }

  approve(id: number, moderatorId: number, at = new Date()): Promise<Transition> {
    return this.apply(id, 'approved', this.repository.decide(id, 'approved', moderatorId, null, at));
  }

  deny(id: number, moderatorId: number, reason: string | null = null, at = new Date()): Promise<Transition> {
    return this.apply(id, 'denied', this.repository.decide(id, 'denied', moderatorId, reason, at));
  }

  /** A banned guest's waiting suggestions are all denied, with the reason recorded. */
  async denyAllPendingOf(userId: number, moderatorId: number, at = new Date()): Promise<Applied[]> {
    const denied = await this.repository.denyAllPendingOf(userId, moderatorId, BANNED_REASON, at);
    return denied.map((row) => this.announce(row, 'denied'));
  }

  /** The renderer accepted these; only those still `approved` move (a re-sent job is already further on). */
  async queue(ids: readonly number[], at = new Date()): Promise<Applied[]> {
    const queued = await this.repository.queue(ids, at);
    return queued.map((row) => this.announce(row, 'queued'));
  }

  /** With `worker`, only a start on the worker the suggestion was handed to counts. */
  start(id: number, at = new Date(), worker?: string): Promise<Transition> {
    const write =
      worker === undefined ? this.repository.start(id, at) : this.repository.startOn(id, worker, at);
    return this.apply(id, 'rendering', write);
  }

  /** A lost worker's unfinished suggestions wait again, first in line, for another worker. */
  async handOver(ids: readonly number[], worker: string | null, at = new Date()): Promise<Applied[]> {
    const handed = await this.repository.handOver(ids, worker, at);
    return handed.map((row) => this.announce(row, 'approved'));
  }

  render(id: number, image: { seed: number | null; file: string }, at = new Date()): Promise<Transition> {
    return this.apply(id, 'rendered', this.repository.render(id, image.seed, image.file, at));
  }

  fail(id: number, reason: string, at = new Date()): Promise<Transition> {
    return this.apply(id, 'failed', this.repository.fail(id, reason.slice(0, 2000), at));
  }

  /** The host cancels a suggestion on its way to the renderer: recorded as failed, so it can be retried. */
  cancel(id: number, at = new Date()): Promise<Transition> {
    return this.fail(id, CANCELLED_REASON, at);
  }

  retry(id: number): Promise<Transition> {
    return this.apply(id, 'approved', this.repository.retry(id));
  }

  /** The suggestions went with their author (deleted by the host): pages drop them. */
  removedWithAuthor(userId: number, suggestionIds: readonly number[]): void {
    for (const suggestionId of suggestionIds) {
      this.live.emit({ type: 'suggestion.removed', suggestionId, userId });
    }
  }

  private async apply(
    id: number,
    status: SuggestionStatus,
    write: Promise<Changed | undefined>,
  ): Promise<Transition> {
    const changed = await write;
    if (changed) return this.announce(changed, status);
    const current = await this.repository.statusOf(id);
    return current === undefined
      ? { ok: false, suggestionId: id, reason: 'not-found' }
      : { ok: false, suggestionId: id, reason: 'wrong-status', status: current };
  }

  private announce(changed: Changed, status: SuggestionStatus): Applied {
    this.live.emit({ type: 'suggestion.status', suggestionId: changed.id, userId: changed.userId, status });
    return { ok: true, suggestionId: changed.id, userId: changed.userId };
  }
}
