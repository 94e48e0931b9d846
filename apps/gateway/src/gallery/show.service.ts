import { Injectable } from '@nestjs/common';
import { toColourView, type ColourView } from '../home/home.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { isPublicRender } from './image-files.js';

/** How many slides the show page carries; the page fetches the rest from the slides endpoint. */
export const SHOW_FIRST_SLIDES = 200;
export const SLIDES_PAGE_SIZE = 100;

export interface SlideView {
  id: number;
  prompt: string;
  width: number;
  height: number;
  src: string;
  author: ColourView;
}

export interface SlidesPage {
  slides: SlideView[];
  /** True when more slides follow the last one here: ask again with its id. */
  hasMore: boolean;
}

/**
 * The show's slides: only rendered images of approved prompts, in submission order; with Review renders,
 * only those a person passed, and never a hidden one.
 */
@Injectable()
export class ShowService {
  constructor(private readonly suggestions: SuggestionQueries) {}

  async slidesAfter(afterId: number, limit = SLIDES_PAGE_SIZE): Promise<SlidesPage> {
    const rows = await this.suggestions.listRenderedWithAuthors(Math.max(0, afterId), limit + 1);
    const page = rows.slice(0, limit);
    const slides: SlideView[] = [];
    for (const row of page) {
      const slide = toSlide(row);
      if (slide) slides.push(slide);
    }
    return { slides, hasMore: rows.length > limit };
  }

  /**
   * Live mode's other half: renders passed since `since` (to add where they belong, though older than the
   * last slide) and hidden since then (to take off the screen), with the moment to ask from next time.
   */
  async reviewedSince(since: Date): Promise<ReviewedSlides> {
    const rows = await this.suggestions.listReviewedSince(since, REVIEWED_PAGE_SIZE);
    const passed: SlideView[] = [];
    const hidden: number[] = [];
    for (const row of rows) {
      const slide = row.renderReview === 'passed' ? toSlide(row) : null;
      if (slide) passed.push(slide);
      else hidden.push(row.id);
    }
    const last = rows.at(-1)?.reviewedAt;
    return { passed, hidden, reviewedUntil: (last ?? since).toISOString() };
  }
}

const REVIEWED_PAGE_SIZE = 200;

export interface ReviewedSlides {
  passed: SlideView[];
  hidden: number[];
  /** Ask with this next time. */
  reviewedUntil: string;
}

function toSlide(row: SuggestionEntity): SlideView | null {
  if (!isPublicRender(row) || !row.user) return null;
  return {
    id: row.id,
    prompt: row.prompt,
    width: row.width,
    height: row.height,
    src: `/images/${row.id}`,
    author: toColourView(row.user),
  };
}
