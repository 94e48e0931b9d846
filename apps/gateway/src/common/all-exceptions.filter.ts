import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { setPageLocals } from './page-locals.js';
import { prefersHtml } from './respond.js';

export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
}

/**
 * The one exception filter: HttpExceptions keep their status; errors that carry a 4xx status (body
 * parser: 413, malformed JSON: 400) keep it too; anything else is a logged 500. Browsers get a readable
 * page, everyone else `{ statusCode, message, error }`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    sendError(ctx.getRequest<Request>(), ctx.getResponse<Response>(), toErrorBody(exception, this.logger));
  }
}

export function toErrorBody(exception: unknown, logger: Logger): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // A 503 is a deliberate answer (busy, the renderer away), not a fault worth a stack trace each time.
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE)
      logger.error(exception.stack ?? exception.message);
    return { statusCode: status, message: messageOf(exception), error: reasonPhrase(status) };
  }
  const status = clientStatusOf(exception);
  if (status) {
    return { statusCode: status, message: clientMessage(status), error: reasonPhrase(status) };
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return { statusCode: 500, message: 'Something went wrong on our side.', error: 'Internal Server Error' };
}

/** The words for people: the exception's own message, or the validation messages it carries. */
export function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  return Array.isArray(raw) ? raw.join(' ') : typeof raw === 'string' ? raw : exception.message;
}

export function sendError(req: Request, res: Response, body: ErrorBody): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // Refused before its body was read (a 60 MB upload without a session): close the connection after the
  // answer rather than read the rest of the body only to throw it away.
  if (!req.complete) res.setHeader('Connection', 'close');
  res.status(body.statusCode);
  if (prefersHtml(req)) {
    setPageLocals(req, res);
    res.render('error', { title: body.error, ...body, back: '/' });
  } else {
    res.json(body);
  }
}

function clientStatusOf(exception: unknown): number | null {
  const candidate = exception as { status?: unknown; statusCode?: unknown } | null;
  const status = Number(candidate?.status ?? candidate?.statusCode);
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : null;
}

function clientMessage(status: number): string {
  if (status === 413) return 'That request is too large.';
  if (status === 400) return 'That request could not be read.';
  return reasonPhrase(status);
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
