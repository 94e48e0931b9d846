import type { RenderReview, SuggestionStatus } from '../suggestions/suggestion.entity.js';

/**
 * What changed, as hints: a type and ids (and, for a status change, the new status word). Pages fetch
 * what they show through the same partials as a full page load. Suggestion events name their author, so
 * each guest's stream carries only their own.
 */
export type SuggestionEvent =
  | { type: 'suggestion.created'; suggestionId: number; userId: number }
  | {
      type: 'suggestion.status';
      suggestionId: number;
      userId: number;
      status: SuggestionStatus;
      /** Set when a moderator changed the text on the way (edit and approve): pages show the new text. */
      edited?: true;
    }
  | { type: 'suggestion.removed'; suggestionId: number; userId: number }
  /** A render was passed or hidden (Review renders): the show and its author's page follow. */
  | { type: 'suggestion.review'; suggestionId: number; userId: number; review: RenderReview }
  /** Its place in the render order changed (Render next): the status is the same. */
  | { type: 'suggestion.reordered'; suggestionId: number; userId: number };

export type LiveEvent =
  | SuggestionEvent
  /** The renderer panel's snapshot changed. */
  | { type: 'renderer.status' }
  /** A setting every guest sees changed (the reveal, sizes, submissions open). */
  | { type: 'settings.updated' }
  /** The expected wait of an approved suggestion changed, in whole minutes (null: no estimate now). */
  | { type: 'wait.changed'; suggestionId: number; userId: number; minutes: number | null };
