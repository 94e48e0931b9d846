import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer, Page } from '../common/answer/answer.decorator.js';
import { LoginDto } from './dto/login.dto.js';
import { isStaff, LoginService, type LoggedIn } from './login.service.js';

@Controller('login')
export class LoginController {
  constructor(private readonly login: LoginService) {}

  @Public()
  @Get()
  show(): Page {
    return this.login.page();
  }

  /** Browsers go on to /admin (staff) or / and see the form again on failure; JSON clients get the user. */
  @Public()
  @Post()
  @HttpCode(200)
  @Answer({ redirect: (user: LoggedIn) => (isStaff(user) ? '/admin' : '/'), form: 'login' })
  submit(@Body() input: LoginDto, @Req() req: AppRequest): Promise<LoggedIn> {
    return this.login.logIn(req, input.identifier, input.password);
  }
}
