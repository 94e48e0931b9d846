import { Injectable } from '@nestjs/common';
import { toColourView } from '../home/home.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { RendererPanelService, type RendererPanel } from './renderer-panel.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { refusal } from '../suggestions/transition-refusal.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { SUGGESTION_STATUSES, type SuggestionStatus } from '../suggestions/suggestion.entity.js';
import type { UserEntity } from '../users/user.entity.js';

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
    private readonly suggestions: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly panel: RendererPanelService,
  ) {}

  /** Everything the host's page shows: the queue, the counts, the renderer panel and the guest link. */
  async hostPage(
    page: number,
    guestUrl: string,
    guestLinkWarning: string | null,
  ): Promise<ModerationPage & { panel: RendererPanel; guestUrl: string; guestLinkWarning: string | null }> {
    const [moderation, panel] = await Promise.all([this.page(page), this.panel.current()]);
    return { ...moderation, panel, guestUrl, guestLinkWarning };
  }

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

  /** The one decide path, for the admin page and the API alike. */
  async decide(id: number, decision: 'approved' | 'denied', moderator: UserEntity): Promise<Decision> {
    const result =
      decision === 'approved'
        ? await this.lifecycle.approve(id, moderator.id)
        : await this.lifecycle.deny(id, moderator.id);
    if (result.ok) return { id, status: decision };
    throw refusal(result, (status) => `Prompt #${id} was already decided (${status}).`);
  }
}
