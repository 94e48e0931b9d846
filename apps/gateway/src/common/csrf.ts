import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';
import { apiCredentialOf, isApiPath } from './bearer.js';

/**
 * Synchroniser-token CSRF (csrf-sync): the token lives in the session and comes back in the form body
 * (`_csrf`) or, for fetch calls, the `x-csrf-token` header. Checked in a guard because Nest has parsed
 * the body by then; a middleware registered in main.ts would run before the body parser. A multipart
 * body is read only after the guards (see PictureUploadInterceptor), so a multipart form carries its
 * token in its action's query string (`?_csrf=`) instead.
 */
const csrf = csrfSync({
  // 32 random bytes (64 hex digits) are as unguessable as anyone needs; the default 128 would be read,
  // hashed and written with the session on every request, and sent twice in every page.
  size: 32,
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const fromQuery = isMultipart(req) ? req.query['_csrf'] : undefined;
    return typeof fromQuery === 'string' ? fromQuery : req.get('x-csrf-token');
  },
});

function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.get('content-type') ?? '');
}

export const csrfTokenFor = (req: Request): string => csrf.generateToken(req);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    // An API call carrying an Authorization header is authenticated by it alone (AuthGuard ignores the
    // cookie then), and a cross-site page cannot set that header: there is nothing to forge.
    if (apiCredentialOf(req) !== undefined) return true;
    // An API call with no signed-in session has no authority a forgery could borrow: AuthGuard answers
    // it with the 401 an API client expects, rather than a CSRF 403.
    if (isApiPath(req) && req.session?.userId === undefined) return true;
    if (!csrf.isRequestValid(req)) {
      throw new ForbiddenException(
        'This form has expired or lacks its security token. Reload the page and try again.',
      );
    }
    return true;
  }
}
