import type { Response } from 'express';
import type { AppRequest } from './app-request.js';
import { csrfTokenFor } from './csrf.js';

/**
 * Values every page template may use, set just before a page is drawn: a handler may have regenerated the
 * session (a new guest, a claimed admin), and the form must carry the CSRF token of the session the
 * browser will actually hold. The role (the header's "Host" link, the admin navigation) is whoever the
 * guard recognised. A page drawn before the session middleware ran (an error) has no token to carry.
 */
export function setPageLocals(req: AppRequest, res: Response): void {
  const role = req.user?.role;
  res.locals.csrfToken = req.session ? csrfTokenFor(req) : undefined;
  res.locals.isStaff = role === 'admin' || role === 'moderator';
  res.locals.isModerator = role === 'moderator';
}
