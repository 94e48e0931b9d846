import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { SUGGESTION_STATUSES, type SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { SuggestionsRepository } from '../suggestions/suggestions.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import { toColourView } from '../home/home.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { RendererLinkService } from '../renderer/renderer-link.service.js';
import { SettingsService } from '../settings/settings.service.js';

export const MODERATION_PAGE_SIZE = 50;

export interface Decision {
  id: number;
  status: SuggestionStatus;
}

export interface ModerationPage {
  pending: {
    id: number;
    prompt: string;
    width: number;
    height: number;
    submittedAt: string;
    author: ReturnType<typeof toColourView>;
  }[];
  counts: { status: SuggestionStatus; count: number }[];
  page: number;
  pages: number;
  previousPage: number | null;
  nextPage: number | null;
  /** The Reveal switch's state. */
  revealed: boolean;
}

@Injectable()
export class ModerationService {
  constructor(
    private readonly suggestions: SuggestionsRepository,
    private readonly renderer: RendererLinkService,
    private readonly live: LiveEventsService,
    private readonly settings: SettingsService,
  ) {}

  async page(requested: number): Promise<ModerationPage> {
    const counts = await this.suggestions.countByStatus();
    const pages = Math.max(1, Math.ceil(counts.pending / MODERATION_PAGE_SIZE));
    const page = Math.min(Math.max(1, requested), pages);
    const rows = await this.suggestions.listPendingWithAuthors(
      (page - 1) * MODERATION_PAGE_SIZE,
      MODERATION_PAGE_SIZE,
    );
    return {
      pending: rows.map((row) => ({
        id: row.id,
        prompt: row.prompt,
        width: row.width,
        height: row.height,
        submittedAt: row.submittedAt.toISOString(),
        author: toColourView(row.user!),
      })),
      counts: SUGGESTION_STATUSES.map((status) => ({ status, count: counts[status] })),
      page,
      pages,
      previousPage: page > 1 ? page - 1 : null,
      nextPage: page < pages ? page + 1 : null,
      revealed: (await this.settings.get()).revealed,
    };
  }

  async decide(id: number, decision: 'approved' | 'denied', moderator: UserEntity): Promise<Decision> {
    const decided = await this.suggestions.decide(id, decision, moderator.id);
    const existing = await this.suggestions.findById(id);
    if (decided && existing) {
      if (decision === 'approved') this.renderer.nudge();
      this.live.emit({ type: 'suggestion.status', userId: existing.userId, id, status: decision });
      return { id, status: decision };
    }
    if (!existing) throw new NotFoundException(`There is no prompt #${id}.`);
    throw new ConflictException(`Prompt #${id} was already decided (${existing.status}).`);
  }
}
