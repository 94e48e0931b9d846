import { BadRequestException, Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash, takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './account-rules.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { isStaff } from './login.service.js';

const TITLE = 'Your account';

/** `/account`: any signed-in user; the password form only means something for accounts with a password. */
@Controller('account')
export class AccountController {
  constructor(private readonly accounts: AccountService) {}

  @Get()
  show(@CurrentUser() user: UserEntity, @Req() req: AppRequest, @Res() res: Response): void {
    if (!prefersHtml(req)) {
      res.json(this.accounts.view(user));
      return;
    }
    res.render('accounts/account', this.page(user, { flash: takeFlash(req) }));
  }

  @Post('password')
  async changePassword(
    @CurrentUser() user: UserEntity,
    @Body() input: ChangePasswordDto,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.accounts.changePassword(user, input);
    } catch (error) {
      if (!(error instanceof BadRequestException) || !prefersHtml(req)) throw error;
      res.status(400).render('accounts/account', this.page(user, { passwordError: error.message }));
      return;
    }
    if (!prefersHtml(req)) {
      res.json({ changed: true });
      return;
    }
    await setFlash(req, 'Your password has been changed.');
    res.redirect(303, '/account');
  }

  private page(user: UserEntity, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      title: TITLE,
      isStaff: isStaff(user),
      account: this.accounts.view(user),
      passwordMin: PASSWORD_MIN,
      passwordMax: PASSWORD_MAX,
      ...extra,
    };
  }
}
