import type { Request } from 'express';
import { isApiPath } from './bearer.js';

/**
 * Browsers (forms, page loads) get HTML; everything else (fetch, API clients, curl) gets JSON. The /api
 * routes answer JSON whatever the Accept header says, errors included.
 */
export function prefersHtml(req: Request): boolean {
  if (isApiPath(req)) return false;
  return req.accepts(['json', 'html']) === 'html';
}
