import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, from, mergeMap, Observable } from 'rxjs';
import { messageOf } from '../all-exceptions.filter.js';
import type { AppRequest } from '../app-request.js';
import { saveSession, setFlash } from '../flash.js';
import { prefersHtml } from '../respond.js';
import { ANSWER_KEY, Page, type AnswerOptions, type CarriedKey } from './answer-options.js';
import { render } from './draw-page.js';
import { PageRegistry, type Refusal } from './page-registry.service.js';

/** Never carried back into a form. */
const SECRET_FIELD = /^_csrf$|password|token/i;

/**
 * Where an answer takes its shape (with AllExceptionsFilter for errors, and AnsweringExpressAdapter for a
 * `Page`): bound by `@Answer` to its route, it gives a browser the page or the redirect the route names,
 * a JSON client the handler's result. HTML answers are sent here; the adapter then leaves the response alone.
 */
@Injectable()
export class AnswerInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly pages: PageRegistry,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<AnswerOptions<unknown> | undefined>(ANSWER_KEY, context.getHandler());
    const req = context.switchToHttp().getRequest<AppRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    // A JSON client gets the handler's result; a `Page` among them is drawn by the adapter.
    if (!options || !prefersHtml(req)) return next.handle();
    return next.handle().pipe(
      mergeMap((result) => from(this.answer(options, result, req, res, context.getHandler()))),
      catchError((error: unknown) => {
        const refusal = options.form ? refusalOf(error, req) : null;
        if (!refusal || !options.form) throw error;
        return from(this.redraw(options.form, refusal, req, res, error));
      }),
    );
  }

  private async answer(
    options: AnswerOptions<unknown>,
    result: unknown,
    req: AppRequest,
    res: Response,
    handler: object,
  ) {
    if (result instanceof Page) return result; // drawn by the adapter, as on any route
    if (options.redirect !== undefined) {
      const notice = typeof options.notice === 'function' ? options.notice(result) : options.notice;
      let carried = false;
      for (const [key, value] of Object.entries(options.carry?.(result) ?? {})) {
        if (value === undefined) continue;
        req.session[key as CarriedKey] = value;
        carried = true;
      }
      if (notice) await setFlash(req, notice);
      else if (carried) await saveSession(req);
      const target =
        typeof options.redirect === 'function' ? options.redirect(result, req) : options.redirect;
      res.redirect(303, target);
      return undefined;
    }
    if (options.drawnBy !== undefined) {
      const page = await this.pages.draw(options.drawnBy, req, { result });
      if (!page) throw new Error(`No page is registered as "${options.drawnBy}".`);
      res.status(this.statusOf(handler));
      await render(req, res, page.view, page.model);
      return undefined;
    }
    if (options.page !== undefined) {
      const title = typeof options.title === 'function' ? options.title(result) : options.title;
      res.status(this.statusOf(handler));
      await render(req, res, options.page, { ...(title ? { title } : {}), ...(result as object) });
      return undefined;
    }
    return result;
  }

  /** A page keeps the route's own status (e.g. 201 for something created). */
  private statusOf(handler: object): number {
    return this.reflector.get<number | undefined>(HTTP_CODE_METADATA, handler as never) ?? 200;
  }

  private async redraw(form: string, refusal: Refusal, req: AppRequest, res: Response, error: unknown) {
    const page = await this.pages.draw(form, req, { refusal });
    if (!page) throw error;
    res.status(refusal.status);
    await render(req, res, page.view, page.model);
    return undefined;
  }
}

/** A 4xx raised by the handler, as a form can show it; anything else stays an error. */
function refusalOf(error: unknown, req: AppRequest): Refusal | null {
  if (!(error instanceof HttpException)) return null;
  const status = error.getStatus();
  if (status < 400 || status >= 500) return null;
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    if (SECRET_FIELD.test(key)) continue;
    if (typeof value === 'string') input[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') input[key] = String(value);
  }
  return { status, message: messageOf(error), input, error };
}
