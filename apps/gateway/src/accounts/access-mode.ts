import type { UserEntity } from '../users/user.entity.js';

export const ACCESS_MODES = ['open', 'invite-only'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export const INVITE_ONLY_MESSAGE = 'This party is invite-only. Log in if you have an account.';

/** In invite-only mode only accounts the host registered (members and staff) may send prompts. */
export function maySubmit(mode: AccessMode, user: Pick<UserEntity, 'role'>): boolean {
  return mode === 'open' || user.role !== 'guest';
}
