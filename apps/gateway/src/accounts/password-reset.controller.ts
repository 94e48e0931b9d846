import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { prefersHtml } from '../common/respond.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { PasswordResetRequestDto } from './dto/password-reset.dto.js';
import { mailOrigin } from './mail-links.js';
import { PasswordResetService } from './password-reset.service.js';

@Public()
@Controller('forgot-password')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  form(@Res() res: Response): void {
    res.render('accounts/forgot-password', { title: 'Forgot password' });
  }

  @Post()
  @HttpCode(200)
  async request(
    @Body() input: PasswordResetRequestDto,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const result = await this.resets.request(input.email, mailOrigin(this.config, req));
    if (!prefersHtml(req)) {
      res.status(200).json(result);
      return;
    }
    res.render('accounts/forgot-password', { title: 'Forgot password', sent: result.message });
  }
}
