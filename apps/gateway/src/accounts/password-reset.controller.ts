import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer, Page } from '../common/answer/answer.decorator.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { PasswordResetRequestDto } from './dto/password-reset.dto.js';
import { mailOrigin } from './mail-links.js';
import { PasswordResetService } from './password-reset.service.js';

const PAGE = 'accounts/forgot-password';
const TITLE = 'Forgot password';

@Public()
@Controller('forgot-password')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  form(): Page {
    return new Page(PAGE, { title: TITLE });
  }

  /** Always the same answer, whether or not the address has an account. */
  @Post()
  @HttpCode(200)
  @Answer({ page: PAGE, title: TITLE })
  request(@Body() input: PasswordResetRequestDto, @Req() req: AppRequest): Promise<{ message: string }> {
    return this.resets.request(input.email, mailOrigin(this.config, req));
  }
}
