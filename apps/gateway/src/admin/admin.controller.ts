import {
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Render,
  Req,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { ClaimService } from './claim.service.js';
import { ModerationService, type ModerationPage } from './moderation.service.js';

@Controller('admin')
export class AdminController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly claims: ClaimService,
  ) {}

  @Roles('admin')
  @Get()
  @Render('admin/moderation')
  async index(
    @Query('page', new DefaultValuePipe(1), ParseIntPipe) page: number,
  ): Promise<ModerationPage & { title: string }> {
    return { title: 'Moderation', ...(await this.moderation.page(page)) };
  }

  @Roles('admin')
  @Post('prompts/:id/approve')
  @HttpCode(200)
  approve(
    @Param('id', ParseIntPipe) id: number,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.decided(req, res, this.moderation.decide(id, 'approved', admin));
  }

  @Roles('admin')
  @Post('prompts/:id/deny')
  @HttpCode(200)
  deny(
    @Param('id', ParseIntPipe) id: number,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.decided(req, res, this.moderation.decide(id, 'denied', admin));
  }

  /** A plain GET, so the link works when opened from a terminal or a QR code. */
  @Public()
  @Get('claim/:token')
  async claim(@Param('token') token: string, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    await this.claims.claim(req, token);
    res.redirect(303, '/admin');
  }

  private async decided<T>(req: AppRequest, res: Response, decision: Promise<T>): Promise<T | void> {
    const result = await decision;
    if (!prefersHtml(req)) return result;
    const page = typeof req.query.page === 'string' ? `?page=${encodeURIComponent(req.query.page)}` : '';
    res.redirect(303, `/admin${page}`);
  }
}
