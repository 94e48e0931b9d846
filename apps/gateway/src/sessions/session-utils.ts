import type { Request } from 'express';

/** New session id for a new identity or role (defeats session fixation). */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(error) : resolve()));
  });
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'vernissage.sid';
