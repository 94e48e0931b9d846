import { randomFillSync } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppRequest } from './app-request.js';
import { csrfTokenFor } from './csrf.js';

const isApiDocsPath = (req: Request): boolean => /^\/api\/docs(?:[/-]|$)/.test(req.path);

const NONCE_BYTES = 16;
/** Random bytes for 256 nonces, filled at once: one call into the CSPRNG instead of one per request. */
const noncePool = Buffer.alloc(NONCE_BYTES * 256);
let nonceOffset = noncePool.length;

/** 16 fresh random bytes, base64: each pool byte is used once. */
export function nextNonce(): string {
  if (nonceOffset === noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString('base64', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/** A fresh nonce per response, for the few inline scripts/styles a page may carry. */
export function cspNonce(_req: Request, res: Response, next: NextFunction): void {
  res.locals.cspNonce = nextNonce();
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
