import type { Response } from 'express';
import type { AppRequest } from '../app-request.js';
import { takeFlash } from '../flash.js';
import { setPageLocals } from '../page-locals.js';
import type { Page } from './answer-options.js';

/** Draws a `Page` (under its own status, if it has one) and sends it. */
export async function drawPage(req: AppRequest, res: Response, page: Page): Promise<undefined> {
  if (page.status) res.status(page.status);
  await render(req, res, page.view, page.model);
  return undefined;
}

/**
 * Renders and sends a page, resolving once it is sent (so the adapter sees the response handled). A whole
 * page takes the one-time notice; a fragment (no layout) leaves it for the page it was meant for.
 */
export function render(
  req: AppRequest,
  res: Response,
  view: string,
  model: Record<string, unknown>,
): Promise<void> {
  setPageLocals(req, res);
  if (model.layout !== false && !('flash' in model)) res.locals.flash = takeFlash(req);
  return new Promise((resolve, reject) =>
    res.render(view, model, (error: Error | null, html: string) => {
      if (error) return reject(error);
      // Sent as it is: Express's send() would parse the type again and check freshness, and a page (with
      // its fresh nonce) carries no validator to be fresh against. Node adds the Content-Length.
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(html);
      resolve();
    }),
  );
}
