import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { AccountTokenPurpose } from './account-token.entity.js';
import { SetPasswordDto, SetPasswordQueryDto } from './dto/set-password.dto.js';
import { isStaff } from './login.service.js';
import { PasswordRuleError, SetPasswordService } from './set-password.service.js';

const PAGES: Record<AccountTokenPurpose, { action: string; title: string; done: string }> = {
  invite: {
    action: '/account/set-password',
    title: 'Choose your password',
    done: 'Your password is set and you are signed in.',
  },
  reset: {
    action: '/account/reset-password',
    title: 'Choose a new password',
    done: 'Your new password is set and you are signed in.',
  },
};

/** The pages behind mailed links: an invitation's `/account/set-password`, a reset's `/account/reset-password`. */
@Public()
@Controller('account')
export class SetPasswordController {
  constructor(private readonly passwords: SetPasswordService) {}

  @Get('set-password')
  showInvite(@Query() query: SetPasswordQueryDto, @Res() res: Response): Promise<void> {
    return this.show('invite', query.token, res);
  }

  @Post('set-password')
  setFromInvite(@Body() input: SetPasswordDto, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    return this.set('invite', input, req, res);
  }

  @Get('reset-password')
  showReset(@Query() query: SetPasswordQueryDto, @Res() res: Response): Promise<void> {
    return this.show('reset', query.token, res);
  }

  @Post('reset-password')
  setFromReset(@Body() input: SetPasswordDto, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    return this.set('reset', input, req, res);
  }

  private async show(purpose: AccountTokenPurpose, token: string | undefined, res: Response): Promise<void> {
    await this.passwords.assertUsable(token, purpose);
    // The token sits in the URL: keep it out of the Referer of anything this page links to.
    res.set('Referrer-Policy', 'no-referrer');
    res.render('accounts/set-password', { ...PAGES[purpose], token });
  }

  private async set(
    purpose: AccountTokenPurpose,
    input: SetPasswordDto,
    req: AppRequest,
    res: Response,
  ): Promise<void> {
    try {
      const user = await this.passwords.setPassword(req, purpose, input);
      if (!prefersHtml(req)) {
        res.status(200).json({ id: user.id, username: user.username, signedIn: true });
        return;
      }
      await setFlash(req, PAGES[purpose].done);
      // Staff came to moderate: their device is enrolled now, so take them straight to the host's page.
      res.redirect(303, isStaff(user) ? '/admin' : '/');
    } catch (error) {
      if (!(error instanceof PasswordRuleError) || !prefersHtml(req)) throw error;
      res.set('Referrer-Policy', 'no-referrer');
      res.status(400).render('accounts/set-password', {
        ...PAGES[purpose],
        token: input.token,
        error: error.message,
      });
    }
  }
}
