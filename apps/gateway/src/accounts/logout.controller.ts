import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { prefersHtml } from '../common/respond.js';
import { LoginService } from './login.service.js';

@Controller('logout')
export class LogoutController {
  constructor(private readonly login: LoginService) {}

  /** Public so an expired session can still press the button; the CSRF guard still applies. */
  @Public()
  @Post()
  @HttpCode(200)
  async logOut(@Req() req: AppRequest, @Res() res: Response): Promise<void> {
    await this.login.logOut(req);
    res.clearCookie('vernissage.sid', { path: '/' });
    if (prefersHtml(req)) res.redirect(303, '/login');
    else res.json({ loggedOut: true });
  }
}
