import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';
import type { AppRequest } from '../app-request.js';
import { Page } from './answer-options.js';
import { drawPage } from './draw-page.js';

/**
 * Nest's Express adapter, except that:
 * - a `Page` a handler returns is drawn, for any client. Here rather than in an interceptor: the guest's
 *   home page is a `Page`, and Nest's interceptor chain costs every request it runs on a good share of
 *   the page's CPU time (see `npm run bench`).
 * - it does not send a reply for a response that is already sent: AnswerInterceptor sends a page or a
 *   redirect itself when a browser asked, and Nest would otherwise try to send the handler's (empty)
 *   result after it.
 */
export class AnsweringExpressAdapter extends ExpressAdapter {
  override reply(response: Parameters<ExpressAdapter['reply']>[0], body: unknown, statusCode?: number) {
    if ((response as { headersSent?: boolean }).headersSent) return;
    if (body instanceof Page) {
      const res = response as Response;
      return drawPage(res.req as AppRequest, res, body);
    }
    return super.reply(response, body, statusCode);
  }
}
