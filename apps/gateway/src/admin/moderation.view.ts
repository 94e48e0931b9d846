import { toColourView, type ColourView } from '../home/home.service.js';
import type { TextPart } from '../screening/word-list.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';

/** The author as a moderation row shows them: colour, and whether trusted (Trust / Untrust). */
export interface AuthorView extends ColourView {
  trusted: boolean;
  /** Only guests are trusted or not: members and staff are covered by their role. */
  guest: boolean;
  banned: boolean;
}

/** One prompt waiting for a decision, as a row on /admin or a card on the deck shows it. */
export interface PendingView {
  id: number;
  prompt: string;
  /** The text in parts, the words it was flagged for marked (drawn escaped like any text). */
  parts: TextPart[];
  flagged: boolean;
  flaggedWords: string[];
  width: number;
  height: number;
  submittedAt: string;
  author: AuthorView;
  hasPicture: boolean;
  pictureUrl: string | null;
  /** When the grace window approves it, if it will (not flagged, no picture, grace mode on). */
  autoApproveAt: string | null;
  /** A picture or a flagged text: bulk actions include it only once this moderator has opened it. */
  needsOpening: boolean;
  opened: boolean;
  /** Its checkbox can be ticked for Approve selected / Deny selected. */
  selectable: boolean;
}

/** How far behind the moderators are, live on the moderation page. */
export interface BehindView {
  waiting: number;
  oldestWaitingAt: string | null;
  /** Decisions (by people and rules) a minute, over the last five minutes. */
  decisionsPerMinute: number;
  /** How long a prompt approved now waits for the GPU, from the queue and recent render times. */
  gpuWaitSeconds: number | null;
  gpuWaitText: string;
  reviewWaiting: number;
}

export function toAuthorView(user: NonNullable<SuggestionEntity['user']>): AuthorView {
  return {
    ...toColourView(user),
    trusted: user.trusted,
    guest: user.role === 'guest',
    banned: user.banned,
  };
}

/** "about 3 minutes", "under a minute", or why it is not known. */
export function waitText(seconds: number | null, jobs: number): string {
  if (jobs === 0) return 'none: the GPU is free';
  if (seconds === null) return `${jobs} waiting; the time per image is not known yet`;
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
}

export interface AuthorHistory {
  counts: Record<SuggestionStatus, number>;
  approved: number;
  denied: number;
}
