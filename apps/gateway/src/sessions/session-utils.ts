import type { Request } from 'express';

/** New session id for a new identity or role (defeats session fixation). */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * Signs a user in on a new session id, in their current session epoch (see UserEntity.sessionEpoch).
 * Every sign-in goes through here, so a session always knows the epoch it belongs to.
 */
export async function startSession(req: Request, user: { id: number; sessionEpoch: number }): Promise<void> {
  await regenerateSession(req);
  req.session.userId = user.id;
  req.session.epoch = user.sessionEpoch;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'vernissage.sid';
