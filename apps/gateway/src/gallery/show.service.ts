import { Injectable } from '@nestjs/common';
import { toColourView, type ColourView } from '../home/home.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { hasServableImage } from './image-files.js';

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

/** The show's slides: only rendered images of approved prompts, in submission order. */
@Injectable()
export class ShowService {
  constructor(private readonly suggestions: SuggestionQueries) {}

  async slidesAfter(afterId: number, limit = SLIDES_PAGE_SIZE): Promise<SlidesPage> {
    const rows = await this.suggestions.listRenderedWithAuthors(Math.max(0, afterId), limit + 1);
    const page = rows.slice(0, limit);
    const slides: SlideView[] = [];
    for (const row of page) {
      if (!hasServableImage(row) || !row.user) continue;
      slides.push({
        id: row.id,
        prompt: row.prompt,
        width: row.width,
        height: row.height,
        src: `/images/${row.id}`,
        author: toColourView(row.user),
      });
    }
    return { slides, hasMore: rows.length > limit };
  }
}
