import { Injectable } from '@nestjs/common';
import { isPublicRender } from '../gallery/image-files.js';
import { RevealService } from '../gallery/reveal.service.js';
import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { UserEntity } from '../users/user.entity.js';

export const HISTORY_TABS = ['pending', 'approved', 'denied', 'rendered'] as const;
export type HistoryTab = (typeof HISTORY_TABS)[number];
export const HISTORY_PAGE_SIZE = 20;

/**
 * Which statuses each tab holds. A failed prompt was approved and is still the host's to retry, so it
 * stays under Approved, with its own status word, rather than under Rendered (it has no image).
 */
export const TAB_STATUSES: Record<HistoryTab, readonly SuggestionStatus[]> = {
  pending: ['pending'],
  approved: ['approved', 'queued', 'rendering', 'failed'],
  denied: ['denied'],
  rendered: ['rendered'],
};

const TAB_LABELS: Record<HistoryTab, string> = {
  pending: 'Pending',
  approved: 'Approved',
  denied: 'Denied',
  rendered: 'Rendered',
};

export interface HistoryPage {
  tabs: { id: HistoryTab; label: string; count: number; selected: boolean }[];
  tab: HistoryTab;
  tabLabel: string;
  items: {
    id: number;
    prompt: string;
    width: number;
    height: number;
    status: SuggestionStatus;
    submittedAt: string;
    edited: boolean;
    showImage: boolean;
  }[];
  revealed: boolean;
  page: number;
  pages: number;
  paged: boolean;
  previousPage: number | null;
  nextPage: number | null;
}

@Injectable()
export class HistoryService {
  constructor(
    private readonly suggestions: SuggestionQueries,
    private readonly reveal: RevealService,
  ) {}

  async page(user: UserEntity, tab: HistoryTab, requestedPage: number): Promise<HistoryPage> {
    const [counts, revealed] = await Promise.all([
      this.suggestions.countByStatusForUsers([user.id]).then((all) => all.get(user.id)!),
      this.reveal.isRevealed(),
    ]);
    const countOf = (id: HistoryTab) => TAB_STATUSES[id].reduce((sum, status) => sum + counts[status], 0);
    const pages = Math.max(1, Math.ceil(countOf(tab) / HISTORY_PAGE_SIZE));
    const page = Math.min(Math.max(1, requestedPage), pages);
    const { rows } = await this.suggestions.pageByUserAndStatuses(
      user.id,
      TAB_STATUSES[tab],
      (page - 1) * HISTORY_PAGE_SIZE,
      HISTORY_PAGE_SIZE,
    );
    return {
      tabs: HISTORY_TABS.map((id) => ({
        id,
        label: TAB_LABELS[id],
        count: countOf(id),
        selected: id === tab,
      })),
      tab,
      tabLabel: TAB_LABELS[tab],
      items: rows.map((row) => ({
        id: row.id,
        prompt: row.prompt,
        width: row.width,
        height: row.height,
        status: row.status,
        submittedAt: row.submittedAt.toISOString(),
        edited: row.originalPrompt !== null,
        // The same rule as /images/:id for the author: rendered, stored, public, and revealed by the host.
        showImage: revealed && isPublicRender(row),
      })),
      revealed,
      page,
      pages,
      paged: pages > 1,
      previousPage: page > 1 ? page - 1 : null,
      nextPage: page < pages ? page + 1 : null,
    };
  }
}
