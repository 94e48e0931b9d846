import { randomFillSync } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet, { contentSecurityPolicy } from 'helmet';
import type { AppRequest } from './app-request.js';
import { csrfTokenFor } from './csrf.js';

const isApiDocsPath = (req: Request): boolean => /^\/api\/docs(?:[/?-]|$)/.test(req.url);

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

/** Where each response's nonce goes in a policy serialised once (see `policyAroundNonce`). */
const NONCE_SLOT = 'vernissage-nonce-slot';

const PAGE_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", `'nonce-${NONCE_SLOT}'`],
  styleSrc: ["'self'", `'nonce-${NONCE_SLOT}'`],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  upgradeInsecureRequests: null,
};

/**
 * A policy as helmet writes it (its defaults, our directives, its checks), split around the nonce slots:
 * `parts.join(nonce)` is the header. helmet would otherwise rebuild and re-check the whole policy on every
 * request, since the nonce makes it dynamic; this is the guest page's hot path.
 */
function policyAroundNonce(directives: typeof PAGE_DIRECTIVES | Record<string, string[] | null>): string[] {
  let policy = '';
  const capture = { setHeader: (_name: string, value: string) => (policy = value) };
  contentSecurityPolicy({ directives })({} as never, capture as never, () => undefined);
  if (!policy) throw new Error('helmet refused the Content-Security-Policy directives');
  return policy.split(NONCE_SLOT);
}

const PAGE_POLICY = policyAroundNonce(PAGE_DIRECTIVES);
// Swagger UI at /api/docs ships an inline <style> and style attributes we cannot give a nonce: only there,
// inline styles are allowed (script-src is unchanged, so no inline script can run).
const API_DOCS_POLICY = policyAroundNonce({ ...PAGE_DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] });

/** helmet's other headers, all fixed. Served over plain HTTP on a party LAN as often as behind HTTPS: HSTS
 * would lock guests out. */
const fixedHeaders = helmet({ contentSecurityPolicy: false, strictTransportSecurity: false });

/**
 * The security headers, with a fresh CSP nonce per response for the few inline scripts/styles a page may
 * carry (views read it as `cspNonce`).
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const nonce = nextNonce();
  res.locals.cspNonce = nonce;
  res.setHeader('Content-Security-Policy', (isApiDocsPath(req) ? API_DOCS_POLICY : PAGE_POLICY).join(nonce));
  fixedHeaders(req, res, next);
}

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
