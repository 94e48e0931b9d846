import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { toColourView, type ColourView } from '../home/home.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import type { UserEntity } from '../users/user.entity.js';
import { DeckClaims } from './deck-claims.service.js';
import { ModerationService } from './moderation.service.js';
import type { AuthorHistory, PendingView } from './moderation.view.js';
import { SeenPrompts } from './seen-prompts.service.js';

/** How often a deck asks again for a card another deck holds or just took (a race lost). */
const CLAIM_ATTEMPTS = 5;

/** What one deck shows: a prompt to decide, a render to pass or hide, or nothing waiting. */
export interface DeckCard {
  deckId: string;
  kind: 'prompt' | 'render' | 'empty';
  id: number | null;
  prompt: (PendingView & { history: AuthorHistory }) | null;
  render: {
    id: number;
    prompt: string;
    author: ColourView;
    imageUrl: string;
    pictureUrl: string | null;
  } | null;
  /** Prompts waiting for a decision, and renders waiting for review, on every deck together. */
  waiting: number;
  reviewWaiting: number;
}

/**
 * The deck: one card at a time, large, with keys. Several moderators on decks each get a different card
 * (DeckClaims); renders waiting for review come first (they hold the show up), then prompts, oldest first.
 * A card shown on a deck counts as seen by that moderator (picture and flags are on it, large).
 */
@Injectable()
export class DeckService {
  constructor(
    private readonly suggestions: SuggestionQueries,
    private readonly moderation: ModerationService,
    private readonly claims: DeckClaims,
    private readonly seen: SeenPrompts,
    private readonly settings: SettingsService,
  ) {}

  newDeckId(): string {
    return randomUUID();
  }

  /**
   * The deck's card: its current one while it is still undecided and no other deck took it meanwhile,
   * else (or after Skip) the next one nobody else holds.
   */
  async card(
    deckId: string,
    moderator: UserEntity,
    options: { current?: number; skip?: boolean } = {},
  ): Promise<DeckCard> {
    if (options.current !== undefined && options.skip) this.claims.skip(deckId, options.current);
    else if (options.current !== undefined) {
      const row = await this.suggestions.findWithAuthor(options.current);
      if (row && stillOpen(row) && this.claims.claim(deckId, row.id))
        return this.show(deckId, row, moderator);
    }
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const excluded = this.claims.excludedFor(deckId);
      const row =
        (await this.suggestions.nextWaitingForReviewExcept(excluded)) ??
        (await this.suggestions.nextPendingExcept(excluded));
      if (!row) {
        // The pile ran out: what this deck skipped comes round again.
        if (this.claims.forgetSkips(deckId)) continue;
        break;
      }
      // Claimed now, with no await since the check: two decks racing for it cannot both win.
      if (row.user && stillOpen(row) && this.claims.claim(deckId, row.id)) {
        return this.show(deckId, row, moderator);
      }
    }
    return { deckId, kind: 'empty', id: null, prompt: null, render: null, ...(await this.totals()) };
  }

  private async show(deckId: string, row: SuggestionEntity, moderator: UserEntity): Promise<DeckCard> {
    this.seen.mark(moderator.id, row.id);
    const totals = await this.totals();
    if (row.status === 'rendered') {
      return {
        deckId,
        kind: 'render',
        id: row.id,
        prompt: null,
        render: {
          id: row.id,
          prompt: row.prompt,
          author: toColourView(row.user!),
          imageUrl: `/images/${row.id}`,
          pictureUrl: row.pictureFile ? `/images/${row.id}/picture` : null,
        },
        ...totals,
      };
    }
    const [settings, history] = await Promise.all([
      this.settings.get(),
      this.moderation.historyOf(row.userId),
    ]);
    return {
      deckId,
      kind: 'prompt',
      id: row.id,
      prompt: { ...this.moderation.pendingView(row, settings, moderator), history },
      render: null,
      ...totals,
    };
  }

  private async totals(): Promise<{ waiting: number; reviewWaiting: number }> {
    const [counts, reviewWaiting] = await Promise.all([
      this.suggestions.countByStatus(),
      this.suggestions.countWaitingForReview(),
    ]);
    return { waiting: counts.pending, reviewWaiting };
  }
}

function stillOpen(row: SuggestionEntity): boolean {
  return row.status === 'pending' || (row.status === 'rendered' && row.renderReview === 'waiting');
}
