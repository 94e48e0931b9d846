import type { Request } from 'express';

/**
 * Sets a one-shot message for the next page and stores the session now. express-session would otherwise
 * save it while the response ends, after the headers are out: a browser follows a redirect as soon as it
 * sees the Location header and could load the next page before the message is stored.
 */
export function setFlash(req: Request, message: string): Promise<void> {
  req.session.flash = message;
  return saveSession(req);
}

/** Stores the session now (see setFlash for why). */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/** Reads the one-shot message (`req.session.flash`) once. */
export function takeFlash(req: Request): string | undefined {
  const flash = req.session.flash;
  if (flash) delete req.session.flash;
  return flash;
}
