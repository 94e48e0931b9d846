import type { SuggestionEntity, SuggestionStatus } from './suggestion.entity.js';

/** What a guest or API client sees of a suggestion: never the entity itself. */
export interface SuggestionView {
  id: number;
  prompt: string;
  width: number;
  height: number;
  status: SuggestionStatus;
  submittedAt: string;
}

export function toSuggestionView(
  suggestion: Pick<SuggestionEntity, 'id' | 'prompt' | 'width' | 'height' | 'status' | 'submittedAt'>,
): SuggestionView {
  return {
    id: suggestion.id,
    prompt: suggestion.prompt,
    width: suggestion.width,
    height: suggestion.height,
    status: suggestion.status,
    submittedAt: suggestion.submittedAt.toISOString(),
  };
}
