import type { Request } from 'express';

/** Browsers (forms, page loads) get HTML; everything else (fetch, API clients, curl) gets JSON. */
export function prefersHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}
