import type { Request } from 'express';

/** A one-shot message set before a redirect (`req.session.flash`), read once by the next page. */
export function takeFlash(req: Request): string | undefined {
  const flash = req.session.flash;
  if (flash) delete req.session.flash;
  return flash;
}
