import { Body, Controller, Get, Header, HttpCode, Post, Query, Req } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer, type Page } from '../common/answer/answer.decorator.js';
import { SetPasswordDto, SetPasswordQueryDto } from './dto/set-password.dto.js';
import { isStaff } from './login.service.js';
import { SET_PASSWORD_PAGES, SetPasswordService, type PasswordSet } from './set-password.service.js';

// The token sits in the URL: keep it out of the Referer of anything these pages link to.
const NO_REFERRER = ['Referrer-Policy', 'no-referrer'] as const;

/** Staff came to moderate: their device is enrolled now, so they go straight to the host's page. */
const toTheirPage = (set: PasswordSet) => (isStaff(set) ? '/admin' : '/');

/** The pages behind mailed links: an invitation's `/account/set-password`, a reset's `/account/reset-password`. */
@Public()
@Controller('account')
export class SetPasswordController {
  constructor(private readonly passwords: SetPasswordService) {}

  @Get('set-password')
  @Header(...NO_REFERRER)
  showInvite(@Query() query: SetPasswordQueryDto): Promise<Page> {
    return this.passwords.page('invite', query.token);
  }

  @Post('set-password')
  @HttpCode(200)
  @Header(...NO_REFERRER)
  @Answer({ redirect: toTheirPage, notice: SET_PASSWORD_PAGES.invite.done, form: 'set-password:invite' })
  setFromInvite(@Body() input: SetPasswordDto, @Req() req: AppRequest): Promise<PasswordSet> {
    return this.passwords.setPassword(req, 'invite', input);
  }

  @Get('reset-password')
  @Header(...NO_REFERRER)
  showReset(@Query() query: SetPasswordQueryDto): Promise<Page> {
    return this.passwords.page('reset', query.token);
  }

  @Post('reset-password')
  @HttpCode(200)
  @Header(...NO_REFERRER)
  @Answer({ redirect: toTheirPage, notice: SET_PASSWORD_PAGES.reset.done, form: 'set-password:reset' })
  setFromReset(@Body() input: SetPasswordDto, @Req() req: AppRequest): Promise<PasswordSet> {
    return this.passwords.setPassword(req, 'reset', input);
  }
}
