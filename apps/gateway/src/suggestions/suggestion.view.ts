import type { SuggestionEntity } from './suggestion.entity.js';

/** What a guest or API client sees of a prompt: never the entity itself. */
export interface SuggestionView {
  id: number;
  prompt: string;
  width: number;
  height: number;
  status: SuggestionEntity['status'];
  submittedAt: string;
}

export function toSuggestionView(suggestion: SuggestionEntity): SuggestionView {
  return {
    id: suggestion.id,
    prompt: suggestion.prompt,
    width: suggestion.width,
    height: suggestion.height,
    status: suggestion.status,
    submittedAt: suggestion.submittedAt.toISOString(),
  };
}
