import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';

/** What changed, as pages need to hear it. Every event names the guest it concerns, for per-guest streams. */
export type LiveEvent =
  | {
      type: 'suggestion.created';
      userId: number;
      suggestion: {
        id: number;
        prompt: string;
        width: number;
        height: number;
        status: SuggestionStatus;
        submittedAt: string;
        author: { id: number; colourName: string; colourHex: string };
      };
    }
  | {
      type: 'suggestion.status';
      userId: number | null;
      id: number;
      status: SuggestionStatus;
      reason?: string | null;
    }
  | { type: 'suggestion.removed'; userId: number | null; id: number }
  | { type: 'renderer.status'; userId: null }
  | { type: 'settings.updated'; userId: null };
