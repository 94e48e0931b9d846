import { type HttpException, Injectable } from '@nestjs/common';
import type { AppRequest } from '../app-request.js';

/** A refused form submission: what was wrong, with what status, and what the person had typed. */
export interface Refusal {
  status: number;
  message: string;
  /** The submitted fields, without the CSRF token or anything secret (passwords, tokens). */
  input: Record<string, string>;
  /** The refusal itself, for a form that shows more of it (the settings form, per field). */
  error: HttpException;
}

export interface DrawnPage {
  view: string;
  model: Record<string, unknown>;
}

/** What a page is drawn for: a handler's result, or a refused form submission. */
export interface DrawContext {
  result?: unknown;
  refusal?: Refusal;
}

type Drawer = (
  req: AppRequest,
  context: DrawContext,
) => Promise<DrawnPage | undefined> | DrawnPage | undefined;

/**
 * Pages that need their module's services to be drawn: a form's page again after a refusal (the message
 * beside the form, the input kept), or a page built around a handler's result. The module that owns a
 * page registers it on init; `@Answer({ form })` and `@Answer({ drawnBy })` name it.
 */
@Injectable()
export class PageRegistry {
  private readonly drawers = new Map<string, Drawer>();

  register(name: string, drawer: Drawer): void {
    this.drawers.set(name, drawer);
  }

  /** The page, or undefined when there is none by that name or it does not take this context. */
  draw(
    name: string,
    req: AppRequest,
    context: DrawContext,
  ): Promise<DrawnPage | undefined> | DrawnPage | undefined {
    return this.drawers.get(name)?.(req, context);
  }
}
