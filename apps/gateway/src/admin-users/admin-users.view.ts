import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';
import type { UserRole } from '../users/user.entity.js';

/** One row of the admin's users table: never the entity itself. */
export interface UserRowView {
  id: number;
  colourName: string;
  colourHex: string;
  /** Set for accounts (members and staff), which also get a "Password link" button. */
  username: string | null;
  role: UserRole;
  banned: boolean;
  /** Trusted guests' prompts are approved at once when Auto-approve covers them. */
  trusted: boolean;
  /** The admin looking at the page: no Ban or Delete on their own row. */
  isYou: boolean;
  lastSeenAt: string;
  counts: Record<SuggestionStatus, number>;
  /** Approved and on its way (approved, queued or rendering): one column in the table. */
  inProgress: number;
  total: number;
}

export interface UsersPageView {
  users: UserRowView[];
  total: number;
  search: string;
  page: number;
  pages: number;
  /** Query string (`?page=…&q=…`) of this page, so an action sends the admin back where they were. */
  here: string;
  previousHref: string | null;
  nextHref: string | null;
}

export interface BanView {
  id: number;
  banned: boolean;
  /** Prompts that were waiting and are now denied (empty on unban). */
  deniedPromptIds: number[];
}

export interface TrustView {
  id: number;
  trusted: boolean;
  /** Waiting prompts of theirs approved at once because of it. */
  approvedPromptIds: number[];
}

export interface DeletionPreview {
  user: { id: number; colourName: string; colourHex: string; role: UserRole };
  prompts: number;
  images: number;
}

export interface DeletionView {
  id: number;
  deleted: true;
  prompts: number;
  filesRemoved: number;
}
