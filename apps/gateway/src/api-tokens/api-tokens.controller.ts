import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash, takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { ApiTokensService, type ApiTokenView, type CreatedApiToken } from './api-tokens.service.js';
import { CreateApiTokenDto } from './dto/create-api-token.dto.js';

/**
 * The user's own API tokens. Created and revoked from a page with the session (and its CSRF token),
 * never with a bearer token: a leaked token must not be able to mint more.
 */
@ApiExcludeController()
@Controller('account')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  /** The new token is in this one response only (a page, not a redirect: it is never kept in the session). */
  @Post('api-tokens')
  @HttpCode(201)
  async create(
    @CurrentUser() user: UserEntity,
    @Body() input: CreateApiTokenDto,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const created: CreatedApiToken = await this.tokens.create(user, input.name || 'API token');
    res.setHeader('Cache-Control', 'no-store');
    if (!prefersHtml(req)) {
      res.status(201).json(created);
      return;
    }
    res.status(201).render('api-tokens/tokens', {
      title: 'API tokens',
      apiTokens: await this.tokens.list(user),
      newApiToken: created,
    });
  }

  @Post('api-tokens/:id/revoke')
  @HttpCode(200)
  async revoke(
    @CurrentUser() user: UserEntity,
    @Param('id', ParseIntPipe) id: number,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ revoked: true } | void> {
    await this.tokens.revoke(user, id);
    if (!prefersHtml(req)) return { revoked: true };
    await setFlash(req, 'The API token was revoked.');
    res.redirect(303, '/account/api-tokens');
  }

  /** The tokens on a page of their own (the /account page carries the same partial), or as JSON. */
  @Get('api-tokens')
  async list(@CurrentUser() user: UserEntity, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    const apiTokens: ApiTokenView[] = await this.tokens.list(user);
    if (!prefersHtml(req)) {
      res.json(apiTokens);
      return;
    }
    res.render('api-tokens/tokens', { title: 'API tokens', apiTokens, flash: takeFlash(req) });
  }
}
