import { Injectable } from '@nestjs/common';
import { AuditLog } from '../audit/audit.service.js';
import type { AuditDraft } from '../audit/audit.repository.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { RenderReview, SuggestionStatus } from './suggestion.entity.js';
import {
  SuggestionsRepository,
  type AutoRule,
  type Changed,
  type Decided,
  type NewSuggestion,
} from './suggestions.repository.js';

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

/** A render review that did not apply: not rendered, or already in that state. */
export type ReviewRefused =
  Refused | { ok: false; suggestionId: number; reason: 'wrong-review'; review: RenderReview | null };

export type Submitted =
  | { ok: true; suggestionId: number; userId: number; submittedAt: Date }
  | { ok: false; reason: 'pending-limit' };

/** Recorded on each suggestion denied because its author was banned. */
export const BANNED_REASON = 'Its author was banned by the host.';
export const CANCELLED_REASON = 'Cancelled by the host';

/** What a guest's denied-by-word-list prompt records as its reason. */
export function denyWordsReason(words: readonly string[]): string {
  return `It has words on the host's deny list (${words.join(', ')}).`;
}

/** "prompt #12 “a fox in the…”", for the audit log's one-line summaries. */
export function promptLabel(row: Pick<Decided, 'id' | 'prompt'>): string {
  const text = row.prompt.replace(/\s+/g, ' ').trim();
  return `prompt #${row.id} “${text.length > 60 ? `${text.slice(0, 59).trimEnd()}…` : text}”`;
}

/**
 * The only code that changes a suggestion's status. One method per transition; each is one conditional
 * statement that returns what the caller and the event need, followed by one typed event:
 *
 *   submit → pending → approve | deny | editAndApprove | autoApprove → approved | denied
 *   submitDenied → denied (a Deny word; never pending)
 *   approved → queue → queued → start → rendering → render | fail → rendered | failed
 *   (approved or queued may also start, render or fail directly: a result can overtake its signals)
 *   approved | queued | rendering → handOver → approved (its worker was lost; it goes first)
 *   failed → retry → approved
 *   rendered: passRender | hideRender (the render review; the status stays rendered)
 *
 * Every decision (by a person or a rule) and every render review is written to the audit log in the same
 * transaction as the transition itself: recorded once, or not done at all.
 */
@Injectable()
export class SuggestionLifecycle {
  constructor(
    private readonly repository: SuggestionsRepository,
    private readonly live: LiveEventsService,
    private readonly audit: AuditLog,
    private readonly settings: SettingsService,
  ) {}

  async submit(suggestion: NewSuggestion, maxPending: number, at = new Date()): Promise<Submitted> {
    const id = await this.repository.insertWithinPendingLimit(suggestion, maxPending, at);
    if (id === null) return { ok: false, reason: 'pending-limit' };
    this.live.emit({ type: 'suggestion.created', suggestionId: id, userId: suggestion.userId });
    return { ok: true, suggestionId: id, userId: suggestion.userId, submittedAt: at };
  }

  /** A suggestion whose text has Deny words: stored denied at once, with the words as its reason. */
  async submitDenied(
    suggestion: NewSuggestion,
    words: readonly string[],
    maxPending: number,
    at = new Date(),
  ): Promise<Submitted> {
    const reason = denyWordsReason(words);
    const id = await this.repository.insertDenied(suggestion, reason, maxPending, at, (rows) =>
      this.audit.recordHeld(
        rows.map((row) => ({
          kind: 'auto-decision',
          action: 'deny',
          actorId: null,
          rule: 'deny-words',
          suggestionId: row.id,
          subjectUserId: row.userId,
          summary: `Denied ${promptLabel(row)}: ${reason}`,
          details: { words },
        })),
        at,
      ),
    );
    if (id === null) return { ok: false, reason: 'pending-limit' };
    this.live.emit({ type: 'suggestion.created', suggestionId: id, userId: suggestion.userId });
    return { ok: true, suggestionId: id, userId: suggestion.userId, submittedAt: at };
  }

  approve(id: number, moderatorId: number, at = new Date()): Promise<Transition> {
    return this.apply(
      id,
      'approved',
      this.repository.decide(
        id,
        'approved',
        moderatorId,
        null,
        at,
        this.decisions('approve', moderatorId, at),
      ),
    );
  }

  deny(id: number, moderatorId: number, reason: string | null = null, at = new Date()): Promise<Transition> {
    return this.apply(
      id,
      'denied',
      this.repository.decide(id, 'denied', moderatorId, reason, at, this.decisions('deny', moderatorId, at)),
    );
  }

  /** Bulk: those still pending are decided together (one transaction); the rest are left as they are. */
  async decideMany(
    ids: readonly number[],
    decision: 'approved' | 'denied',
    moderatorId: number,
    at = new Date(),
  ): Promise<Applied[]> {
    const verb = decision === 'approved' ? 'approve' : 'deny';
    const rows = await this.repository.decideMany(
      ids,
      decision,
      moderatorId,
      at,
      this.decisions(verb, moderatorId, at),
    );
    return rows.map((row) => this.announce(row, decision));
  }

  /** A moderator's own text replaces the guest's, which is kept (and goes to the audit log); approved at once. */
  async editAndApprove(id: number, moderatorId: number, text: string, at = new Date()): Promise<Transition> {
    const changed = await this.repository.editAndApprove(id, text, moderatorId, at, (rows) =>
      this.audit.recordHeld(
        rows.map((row) => ({
          kind: 'edit',
          action: 'edit-and-approve',
          actorId: moderatorId,
          suggestionId: row.id,
          subjectUserId: row.userId,
          summary: `Edited and approved ${promptLabel({ id: row.id, prompt: text })}`,
          details: { original: row.prompt, edited: text },
        })),
        at,
      ),
    );
    if (!changed) return this.refused(id);
    this.live.emit({
      type: 'suggestion.status',
      suggestionId: changed.id,
      userId: changed.userId,
      status: 'approved',
      edited: true,
    });
    return { ok: true, suggestionId: changed.id, userId: changed.userId };
  }

  /**
   * Auto-approve: every pending suggestion the rule covers (or only `scope`'s), never a picture or a
   * flagged text. `graceSeconds` is recorded with the grace-window rule.
   */
  async autoApprove(
    rule: AutoRule,
    scope: { id?: number; userId?: number; submittedBy?: Date },
    at = new Date(),
    graceSeconds?: number,
  ): Promise<Applied[]> {
    const rows = await this.repository.autoApprove(rule, scope, at, (approved) =>
      this.audit.recordHeld(
        approved.map((row) => ({
          kind: 'auto-decision',
          action: 'approve',
          actorId: null,
          rule,
          suggestionId: row.id,
          subjectUserId: row.userId,
          summary: `Approved ${promptLabel(row)} automatically`,
          details: graceSeconds === undefined ? null : { graceSeconds },
        })),
        at,
      ),
    );
    return rows.map((row) => this.announce(row, 'approved'));
  }

  /** The render is fit for the room: it joins the show and, after the reveal, its author's page. */
  passRender(id: number, moderatorId: number, at = new Date()): Promise<Applied | ReviewRefused> {
    return this.review(id, 'passed', ['waiting', 'hidden'], moderatorId, at);
  }

  /** Out of the show, the reveal and the export's images, for good (unless passed again); any render, any time. */
  hideRender(id: number, moderatorId: number, at = new Date()): Promise<Applied | ReviewRefused> {
    return this.review(id, 'hidden', [null, 'waiting', 'passed'], moderatorId, at);
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

  /** With Review renders on, the new image waits for a person's Pass. */
  async render(
    id: number,
    image: { seed: number | null; file: string },
    at = new Date(),
  ): Promise<Transition> {
    const review = (await this.settings.get()).reviewRenders;
    return this.apply(id, 'rendered', this.repository.render(id, image.seed, image.file, review, at));
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

  /** The audit entries of a person's decisions, written with them. */
  private decisions(action: 'approve' | 'deny', moderatorId: number, at: Date) {
    return (rows: Decided[]) =>
      this.audit.recordHeld(
        rows.map((row): AuditDraft => ({
          kind: 'decision',
          action,
          actorId: moderatorId,
          suggestionId: row.id,
          subjectUserId: row.userId,
          summary: `${action === 'approve' ? 'Approved' : 'Denied'} ${promptLabel(row)}`,
        })),
        at,
      );
  }

  private async review(
    id: number,
    review: 'passed' | 'hidden',
    from: readonly (RenderReview | null)[],
    moderatorId: number,
    at: Date,
  ): Promise<Applied | ReviewRefused> {
    const action = review === 'passed' ? 'pass' : 'hide';
    const changed = await this.repository.review(id, review, from, at, (rows) =>
      this.audit.recordHeld(
        rows.map((row) => ({
          kind: 'render-review',
          action,
          actorId: moderatorId,
          suggestionId: row.id,
          subjectUserId: row.userId,
          summary: `${review === 'passed' ? 'Passed' : 'Hid'} the render of ${promptLabel(row)}`,
        })),
        at,
      ),
    );
    if (changed) {
      this.live.emit({ type: 'suggestion.review', suggestionId: changed.id, userId: changed.userId, review });
      return { ok: true, suggestionId: changed.id, userId: changed.userId };
    }
    const state = await this.repository.stateOf(id);
    if (!state) return { ok: false, suggestionId: id, reason: 'not-found' };
    if (state.status !== 'rendered')
      return { ok: false, suggestionId: id, reason: 'wrong-status', status: state.status };
    return { ok: false, suggestionId: id, reason: 'wrong-review', review: state.review };
  }

  private async apply(
    id: number,
    status: SuggestionStatus,
    write: Promise<Changed | undefined>,
  ): Promise<Transition> {
    const changed = await write;
    if (changed) return this.announce(changed, status);
    return this.refused(id);
  }

  private async refused(id: number): Promise<Refused> {
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
