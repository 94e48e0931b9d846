import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppRequest } from './app-request.js';
import { csrfTokenFor } from './csrf.js';

const isApiDocsPath = (req: Request): boolean => /^\/api\/docs(?:[/-]|$)/.test(req.path);

/** A fresh nonce per response, for the few inline scripts/styles a page may carry. */
export function cspNonce(_req: Request, res: Response, next: NextFunction): void {
  res.locals.cspNonce = randomBytes(16).toString('base64');
  next();
}

export const securityHeaders = helmet({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce as string}'`],
      // Swagger UI at /api/docs ships an inline <style> and style attributes we cannot give a nonce: only
      // there, inline styles are allowed (script-src is unchanged, so no inline script can run).
      styleSrc: [
        "'self'",
        (req, res) =>
          isApiDocsPath(req as Request)
            ? "'unsafe-inline'"
            : `'nonce-${(res as Response).locals.cspNonce as string}'`,
      ],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      upgradeInsecureRequests: null,
    },
  },
  // Served over plain HTTP on a party LAN as often as behind HTTPS: HSTS would lock guests out.
  strictTransportSecurity: false,
});

/**
 * Values every page template may use, read lazily when a view is rendered: a handler may regenerate the
 * session first (a new guest, a claimed admin), and the form must carry the CSRF token of the session the
 * browser will actually hold.
 */
export function pageLocals(req: Request, res: Response, next: NextFunction): void {
  Object.defineProperty(res.locals, 'csrfToken', { enumerable: true, get: () => csrfTokenFor(req) });
  // The header's "Host" link and the admin navigation, for whoever the guard recognised.
  const role = () => (req as AppRequest).user?.role;
  Object.defineProperty(res.locals, 'isStaff', {
    enumerable: true,
    get: () => role() === 'admin' || role() === 'moderator',
  });
  Object.defineProperty(res.locals, 'isModerator', { enumerable: true, get: () => role() === 'moderator' });
  next();
}
