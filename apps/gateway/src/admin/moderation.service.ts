import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import { Clock } from '../common/clock.js';
import { hasServableImage } from '../gallery/image-files.js';
import { ScreeningService } from '../screening/screening.service.js';
import { parseStoredWords } from '../screening/word-list.js';
import { SettingsService, type Settings } from '../settings/settings.service.js';
import { RendererPanelService, type RendererPanel } from './renderer-panel.service.js';
import { SuggestionLifecycle, type ReviewRefused } from '../suggestions/suggestion-lifecycle.service.js';
import { refusal } from '../suggestions/transition-refusal.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import {
  SUGGESTION_STATUSES,
  type RenderReview,
  type SuggestionEntity,
  type SuggestionStatus,
} from '../suggestions/suggestion.entity.js';
import type { UserEntity } from '../users/user.entity.js';
import { DeckClaims } from './deck-claims.service.js';
import { SeenPrompts } from './seen-prompts.service.js';
import {
  toAuthorView,
  waitText,
  type AuthorHistory,
  type AuthorView,
  type BehindView,
  type PendingView,
} from './moderation.view.js';

export const MODERATION_PAGE_SIZE = 50;
/** Decisions a minute are counted over this window. */
const RATE_WINDOW_MS = 5 * 60_000;
/** The time per image is the average of this many latest renders. */
const RENDERS_AVERAGED = 20;

export interface Decision {
  id: number;
  status: SuggestionStatus;
}

export interface BulkResult {
  action: 'approve' | 'deny';
  decided: number[];
  /** Left out, and why: not opened yet (a picture or a flagged text), or no longer waiting. */
  skipped: { id: number; reason: 'not-opened' | 'decided' | 'not-found' }[];
  message: string;
}

export interface ReviewResult {
  id: number;
  review: Exclude<RenderReview, 'waiting'>;
}

export interface ModerationPage {
  pending: PendingView[];
  counts: { status: SuggestionStatus; count: number }[];
  behind: BehindView;
  page: number;
  pages: number;
  previousPage: number | null;
  nextPage: number | null;
  /** The Reveal switch's state. */
  revealed: boolean;
}

/** One prompt opened on its own page: everything a moderator needs to decide, picture at full size. */
export interface PromptPage {
  prompt: PendingView;
  status: SuggestionStatus;
  pending: boolean;
  editedFrom: string | null;
  history: AuthorHistory;
  render: { review: RenderReview | null; hidden: boolean; waiting: boolean } | null;
  editError?: string;
  draft?: string;
}

/**
 * The moderators' work: the queue and how far behind it is, the one decide path (for /admin, the deck
 * and the API alike), bulk decisions, edit-and-approve, render review, and a prompt opened on its own.
 */
@Injectable()
export class ModerationService implements OnModuleInit {
  constructor(
    private readonly suggestions: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly panel: RendererPanelService,
    private readonly screening: ScreeningService,
    private readonly seen: SeenPrompts,
    private readonly claims: DeckClaims,
    private readonly clock: Clock,
    private readonly pages: PageRegistry,
  ) {}

  /** A refused edit (empty, too long) comes back on the prompt's page, the text as typed. */
  onModuleInit(): void {
    this.pages.register('edit-prompt', async (req, { refusal: refused }) => {
      const id = Number(req.params.id);
      if (!refused || !Number.isSafeInteger(id)) return undefined;
      const page = await this.promptPage(id, req.user!);
      return new Page(
        'admin/prompt',
        { title: `Prompt #${id}`, ...page, editError: refused.message, draft: refused.input.prompt ?? '' },
        refused.status,
      );
    });
  }

  /** Everything the host's page shows: the queue, the counts, the renderer panel and the guest link. */
  async hostPage(
    page: number,
    moderator: UserEntity,
    guestUrl: string,
    guestLinkWarning: string | null,
  ): Promise<ModerationPage & { panel: RendererPanel; guestUrl: string; guestLinkWarning: string | null }> {
    const [moderation, panel] = await Promise.all([this.page(page, moderator), this.panel.current()]);
    return { ...moderation, panel, guestUrl, guestLinkWarning };
  }

  async page(requested: number, moderator: UserEntity): Promise<ModerationPage> {
    const [counts, settings] = await Promise.all([this.suggestions.countByStatus(), this.settings.get()]);
    const pages = Math.max(1, Math.ceil(counts.pending / MODERATION_PAGE_SIZE));
    const page = Math.min(Math.max(1, requested), pages);
    const [rows, behind] = await Promise.all([
      this.suggestions.listPendingWithAuthors((page - 1) * MODERATION_PAGE_SIZE, MODERATION_PAGE_SIZE),
      this.behind(counts),
    ]);
    return {
      pending: rows.map((row) => this.pendingView(row, settings, moderator)),
      counts: SUGGESTION_STATUSES.map((status) => ({ status, count: counts[status] })),
      behind,
      page,
      pages,
      previousPage: page > 1 ? page - 1 : null,
      nextPage: page < pages ? page + 1 : null,
      revealed: settings.revealed,
    };
  }

  /**
   * How far behind: what waits, since when, how fast decisions go, and how long the GPU queue is. Four
   * indexed reads; the time per image comes from the latest renders.
   */
  async behind(counts?: Record<SuggestionStatus, number>): Promise<BehindView> {
    const now = this.clock.now();
    const [byStatus, oldest, decided, perImage, reviewWaiting] = await Promise.all([
      counts ?? this.suggestions.countByStatus(),
      this.suggestions.oldestPendingAt(),
      this.suggestions.countDecidedSince(new Date(now.getTime() - RATE_WINDOW_MS)),
      this.suggestions.averageRenderSeconds(RENDERS_AVERAGED),
      this.suggestions.countWaitingForReview(),
    ]);
    const jobs = byStatus.approved + byStatus.queued + byStatus.rendering;
    const gpuWaitSeconds = perImage === null || jobs === 0 ? (jobs === 0 ? 0 : null) : jobs * perImage;
    return {
      waiting: byStatus.pending,
      oldestWaitingAt: oldest?.toISOString() ?? null,
      decisionsPerMinute: Math.round((decided / (RATE_WINDOW_MS / 60_000)) * 10) / 10,
      gpuWaitSeconds: gpuWaitSeconds === null ? null : Math.round(gpuWaitSeconds),
      gpuWaitText: waitText(gpuWaitSeconds, jobs),
      reviewWaiting,
    };
  }

  /** The one decide path, for the admin page, the deck and the API alike. */
  async decide(id: number, decision: 'approved' | 'denied', moderator: UserEntity): Promise<Decision> {
    const result =
      decision === 'approved'
        ? await this.lifecycle.approve(id, moderator.id)
        : await this.lifecycle.deny(id, moderator.id);
    this.claims.release(id);
    if (result.ok) return { id, status: decision };
    throw refusal(result, (status) => `Prompt #${id} was already decided (${status}).`);
  }

  /**
   * Approve selected / Deny selected. A picture or a flagged prompt is included only if this moderator
   * opened it (its page or its deck card): a bulk action never lets anything unseen through.
   */
  async bulk(ids: readonly number[], action: 'approve' | 'deny', moderator: UserEntity): Promise<BulkResult> {
    const unique = [...new Set(ids)];
    const states = new Map((await this.suggestions.statesOf(unique)).map((row) => [row.id, row]));
    const eligible: number[] = [];
    const skipped: BulkResult['skipped'] = [];
    for (const id of unique) {
      const state = states.get(id);
      if (!state) skipped.push({ id, reason: 'not-found' });
      else if (state.status !== 'pending') skipped.push({ id, reason: 'decided' });
      else if ((state.flagged || state.hasPicture) && !this.seen.has(moderator.id, id)) {
        skipped.push({ id, reason: 'not-opened' });
      } else eligible.push(id);
    }
    const applied = await this.lifecycle.decideMany(
      eligible,
      action === 'approve' ? 'approved' : 'denied',
      moderator.id,
    );
    const decided = applied.map((row) => row.suggestionId);
    for (const id of decided) this.claims.release(id);
    // Decided by someone else between the read and the statement.
    for (const id of eligible) if (!decided.includes(id)) skipped.push({ id, reason: 'decided' });
    return { action, decided, skipped, message: bulkMessage(action, decided.length, skipped) };
  }

  /** Edit then Save and approve. */
  async editAndApprove(
    id: number,
    text: string,
    moderator: UserEntity,
  ): Promise<Decision & { prompt: string }> {
    const result = await this.lifecycle.editAndApprove(id, moderator.id, text);
    this.claims.release(id);
    if (result.ok) return { id, status: 'approved', prompt: text };
    throw refusal(result, (status) => `Prompt #${id} was already decided (${status}).`);
  }

  /** Pass or Hide a render. */
  async review(id: number, action: 'pass' | 'hide', moderator: UserEntity): Promise<ReviewResult> {
    const result =
      action === 'pass'
        ? await this.lifecycle.passRender(id, moderator.id)
        : await this.lifecycle.hideRender(id, moderator.id);
    this.claims.release(id);
    if (result.ok) return { id, review: action === 'pass' ? 'passed' : 'hidden' };
    throw reviewRefusal(result, action);
  }

  /** A prompt on its own page; opening it counts as seeing it (bulk actions may then include it). */
  async promptPage(id: number, moderator: UserEntity): Promise<PromptPage> {
    const row = Number.isSafeInteger(id) && id > 0 ? await this.suggestions.findWithAuthor(id) : null;
    if (!row?.user) throw refusal({ ok: false, suggestionId: id, reason: 'not-found' }, () => '');
    this.seen.mark(moderator.id, id);
    const settings = await this.settings.get();
    return {
      prompt: this.pendingView(row, settings, moderator),
      status: row.status,
      pending: row.status === 'pending',
      editedFrom: row.originalPrompt,
      history: await this.historyOf(row.userId),
      render: hasServableImage(row)
        ? {
            review: row.renderReview,
            hidden: row.renderReview === 'hidden',
            waiting: row.renderReview === 'waiting',
          }
        : null,
    };
  }

  /** The author's earlier prompts by outcome, so a moderator sees who they are dealing with. */
  async historyOf(userId: number): Promise<AuthorHistory> {
    const counts = (await this.suggestions.countByStatusForUsers([userId])).get(userId)!;
    return {
      counts,
      approved: counts.approved + counts.queued + counts.rendering + counts.rendered + counts.failed,
      denied: counts.denied,
    };
  }

  pendingView(row: SuggestionEntity, settings: Settings, moderator: UserEntity): PendingView {
    const flaggedWords = parseStoredWords(row.flaggedWords);
    const flagged = row.flaggedWords !== null;
    const hasPicture = row.pictureFile !== null;
    const needsOpening = flagged || hasPicture;
    const opened = this.seen.has(moderator.id, row.id);
    const graceApplies = settings.autoApprove === 'grace' && !needsOpening && row.status === 'pending';
    const author: AuthorView = toAuthorView(row.user!);
    return {
      id: row.id,
      prompt: row.prompt,
      parts: this.screening.highlight(row.prompt, flaggedWords),
      flagged,
      flaggedWords,
      width: row.width,
      height: row.height,
      submittedAt: row.submittedAt.toISOString(),
      author,
      hasPicture,
      pictureUrl: hasPicture ? `/images/${row.id}/picture` : null,
      autoApproveAt: graceApplies
        ? new Date(row.submittedAt.getTime() + settings.graceSeconds * 1000).toISOString()
        : null,
      needsOpening,
      opened,
      selectable: !needsOpening || opened,
    };
  }
}

function bulkMessage(action: 'approve' | 'deny', decided: number, skipped: BulkResult['skipped']): string {
  const verb = action === 'approve' ? 'approved' : 'denied';
  const parts = [`${decided === 1 ? '1 prompt' : `${decided} prompts`} ${verb}.`];
  const unopened = skipped.filter((item) => item.reason === 'not-opened').length;
  if (unopened) {
    parts.push(
      `${unopened === 1 ? '1 was' : `${unopened} were`} left out: a picture or a flagged prompt is included only once you have opened it.`,
    );
  }
  const gone = skipped.length - unopened;
  if (gone) parts.push(`${gone === 1 ? '1 was' : `${gone} were`} no longer waiting.`);
  return parts.join(' ');
}

function reviewRefusal(result: ReviewRefused & { ok: false }, action: 'pass' | 'hide') {
  if (result.reason === 'wrong-review') {
    const state =
      result.review === null
        ? 'shown: it needed no review (Review renders was off)'
        : `already ${result.review}`;
    return refusal(
      { ok: false, suggestionId: result.suggestionId, reason: 'wrong-status', status: 'rendered' },
      () => `The render of prompt #${result.suggestionId} is ${state}; nothing to ${action}.`,
    );
  }
  if (result.reason === 'not-found') return refusal(result, () => '');
  return refusal(result, (status) => `Prompt #${result.suggestionId} has no render to review (${status}).`);
}
