import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchroniser-token CSRF (csrf-sync): the token lives in the session and comes back in the form body
 * (`_csrf`) or, for fetch calls, the `x-csrf-token` header. Checked in a guard because Nest has parsed
 * the body by then; a middleware registered in main.ts would run before the body parser.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
  },
});

export const csrfTokenFor = (req: Request): string => csrf.generateToken(req);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    if (!csrf.isRequestValid(req)) {
      throw new ForbiddenException(
        'This form has expired or lacks its security token. Reload the page and try again.',
      );
    }
    return true;
  }
}
