import { Body, Controller, Get, HttpException, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import { LoginDto } from './dto/login.dto.js';
import { isStaff, LoginService } from './login.service.js';

const TITLE = 'Log in';

@Controller('login')
export class LoginController {
  constructor(private readonly login: LoginService) {}

  @Public()
  @Get()
  show(@Req() req: AppRequest, @Res() res: Response): void {
    res.render('accounts/login', { title: TITLE, flash: takeFlash(req) });
  }

  /** Browsers go on to /admin (staff) or / and see the form again on failure; JSON clients get the user. */
  @Public()
  @Post()
  async submit(@Body() input: LoginDto, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    try {
      const user = await this.login.logIn(req, input.identifier, input.password);
      if (!prefersHtml(req)) {
        res.status(HttpStatus.OK).json({ id: user.id, username: user.username, role: user.role });
        return;
      }
      res.redirect(303, isStaff(user) ? '/admin' : '/');
    } catch (error) {
      if (!(error instanceof HttpException) || !prefersHtml(req)) throw error;
      res.status(error.getStatus()).render('accounts/login', {
        title: TITLE,
        error: error.message,
        identifier: input.identifier,
      });
    }
  }
}
