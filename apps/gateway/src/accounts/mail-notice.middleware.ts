import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MailService } from './mail.service.js';

/**
 * Gives the admin's users page what it shows about mail (not configured, recent failures, a link to pass
 * on) without the users module having to know about mail. Only locals: the page itself is still guarded.
 */
@Injectable()
export class MailNoticeMiddleware implements NestMiddleware {
  constructor(private readonly mail: MailService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.locals.mailNotConfigured = !this.mail.configured;
    res.locals.mailFailures = this.mail.recentFailures();
    // Shown once, right after the invitation or reset it belongs to.
    if (req.session?.passOnLink) {
      res.locals.passOnLink = req.session.passOnLink;
      delete req.session.passOnLink;
    }
    next();
  }
}
