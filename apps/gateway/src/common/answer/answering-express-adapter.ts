import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Nest's Express adapter, except that it does not send a reply for a response that is already sent:
 * AnswerInterceptor sends a page or a redirect itself when a browser asked, and Nest would otherwise
 * try to send the handler's (empty) result after it.
 */
export class AnsweringExpressAdapter extends ExpressAdapter {
  override reply(response: Parameters<ExpressAdapter['reply']>[0], body: unknown, statusCode?: number) {
    if ((response as { headersSent?: boolean }).headersSent) return;
    return super.reply(response, body, statusCode);
  }
}
