import { randomFillSync } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet, { contentSecurityPolicy } from 'helmet';

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

type Middleware = (req: Request, res: Response, next: (error?: unknown) => void) => void;

/**
 * The headers a helmet middleware sets, read once at start-up by running it against a stand-in response.
 * helmet stays the judge of what to send (and checks our directives); the hot path only copies strings.
 */
function headersOf(middleware: Middleware): [string, string][] {
  const headers: [string, string][] = [];
  const capture = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: () => undefined,
  };
  let failure: unknown;
  middleware({} as Request, capture as unknown as Response, (error) => (failure = error));
  if (failure !== undefined) throw failure;
  return headers;
}

/**
 * A policy as helmet writes it (its defaults, our directives), split around the nonce slots:
 * `parts.join(nonce)` is the header. helmet would rebuild and re-check the whole policy on every request,
 * since the nonce makes it dynamic.
 */
function policyAroundNonce(directives: Record<string, string[] | null>): string[] {
  const [[, policy]] = headersOf(contentSecurityPolicy({ directives }));
  return policy.split(NONCE_SLOT);
}

const PAGE_POLICY = policyAroundNonce(PAGE_DIRECTIVES);
// Swagger UI at /api/docs ships an inline <style> and style attributes we cannot give a nonce: only there,
// inline styles are allowed (script-src is unchanged, so no inline script can run).
const API_DOCS_POLICY = policyAroundNonce({ ...PAGE_DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] });

/** helmet's other headers, all fixed. Served over plain HTTP on a party LAN as often as behind HTTPS: HSTS
 * would lock guests out. */
const FIXED_HEADERS = headersOf(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false }));

/**
 * First on every request: the security headers, with a fresh CSP nonce for the few inline scripts/styles
 * a page may carry (views read it as `cspNonce`). Plain string copies: this runs for every guest page.
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const nonce = nextNonce();
  res.locals.cspNonce = nonce;
  res.setHeader('Content-Security-Policy', (isApiDocsPath(req) ? API_DOCS_POLICY : PAGE_POLICY).join(nonce));
  for (const [name, value] of FIXED_HEADERS) res.setHeader(name, value);
  next();
}
