import type { SessionData } from 'express-session';
import type { AppRequest } from '../app-request.js';

/** What a redirect may carry to the next page in the session. */
export type CarriedKey = keyof Pick<SessionData, 'passOnLink'>;

export const ANSWER_KEY = 'vernissage:answer';

/**
 * How a route answers a browser; JSON clients always get what the handler returned (or its error as
 * `{ statusCode, message, error }`). One handler serves both, with no `@Res` and no branching on the
 * Accept header in controllers: AnswerInterceptor reads these options.
 */
export interface AnswerOptions<T = never> {
  /** Draw this page, with the handler's result as its model (plus `title`). */
  page?: string;
  title?: string | ((result: T) => string);
  /** Or a page its module draws around the result (a name registered in PageRegistry). */
  drawnBy?: string;
  /** Or send the browser on (303 See Other)… */
  redirect?: string | ((result: T, req: AppRequest) => string);
  /** …with a one-time notice for the next page… */
  notice?: string | ((result: T) => string | undefined);
  /** …and values the next page shows once (kept in the session until then, like the notice). */
  carry?: (result: T) => Partial<Record<CarriedKey, string | undefined>>;
  /**
   * The form this route takes (a name PageRegistry knows): when the handler refuses with a 4xx, the browser
   * gets that form's page again, with the message beside the form and what was typed still in it, under
   * the refusal's status. Without it, a refusal is the plain error page.
   */
  form?: string;
}

/**
 * What a page-only route returns when its view depends on the request (the home page is "Are you lost?"
 * for some visitors): drawn as it is, for any client.
 */
export class Page {
  constructor(
    readonly view: string,
    readonly model: Record<string, unknown>,
    readonly status?: number,
  ) {}
}
