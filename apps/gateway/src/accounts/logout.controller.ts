import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { LoginService } from './login.service.js';

@Controller('logout')
export class LogoutController {
  constructor(private readonly login: LoginService) {}

  /** Public so an expired session can still press the button; the CSRF guard still applies. */
  @Public()
  @Post()
  @HttpCode(200)
  @Answer({ redirect: '/login' })
  async logOut(@Req() req: AppRequest): Promise<{ loggedOut: true }> {
    await this.login.logOut(req);
    return { loggedOut: true };
  }
}
