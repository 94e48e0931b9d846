import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { AppRequest } from './app-request.js';
import { setPageLocals } from './page-locals.js';

function draw(req: Partial<AppRequest>) {
  const res = { locals: {} } as Response;
  setPageLocals(req as AppRequest, res);
  return res.locals;
}

describe('setPageLocals', () => {
  it('carries the CSRF token of the session the page is drawn for, made once and kept in it', () => {
    const session = {} as AppRequest['session'];
    const first = draw({ session });
    expect(first.csrfToken).toMatch(/^[0-9a-f]{64}$/);
    expect(draw({ session }).csrfToken).toBe(first.csrfToken);
    expect(draw({ session: {} as AppRequest['session'] }).csrfToken).not.toBe(first.csrfToken);
  });

  it('draws a page without a session (an error before the session middleware) with no token', () => {
    expect(draw({})).toEqual({ csrfToken: undefined, isStaff: false, isModerator: false });
  });

  it('tells views the role the guard recognised', () => {
    const session = {} as AppRequest['session'];
    const as = (role: string) => draw({ session, user: { role } as AppRequest['user'] });
    expect(as('guest')).toMatchObject({ isStaff: false, isModerator: false });
    expect(as('moderator')).toMatchObject({ isStaff: true, isModerator: true });
    expect(as('admin')).toMatchObject({ isStaff: true, isModerator: false });
  });
});
