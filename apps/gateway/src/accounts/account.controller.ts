import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer } from '../common/answer/answer.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { AccountService, type AccountView } from './account.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';

/** `/account`: any signed-in user; the password form only means something for accounts with a password. */
@Controller('account')
export class AccountController {
  constructor(private readonly accounts: AccountService) {}

  @Get()
  @Answer({ page: 'accounts/account', title: 'Your account' })
  show(@CurrentUser() user: UserEntity): AccountView {
    return this.accounts.view(user);
  }

  @Post('password')
  @HttpCode(200)
  @Answer({ redirect: '/account', notice: 'Your password has been changed.', form: 'password' })
  async changePassword(
    @CurrentUser() user: UserEntity,
    @Body() input: ChangePasswordDto,
    @Req() req: AppRequest,
  ): Promise<{ changed: true }> {
    await this.accounts.changePassword(req, user, input);
    return { changed: true };
  }
}
