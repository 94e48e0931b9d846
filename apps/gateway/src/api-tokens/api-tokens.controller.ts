import { Body, Controller, Get, Header, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators.js';
import { Answer } from '../common/answer/answer.decorator.js';
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

  /**
   * The new token is in this one response only (a page, not a redirect: it is never kept in the session).
   * JSON clients get the token itself; the page shows it above the list.
   */
  @Post('api-tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Answer({ drawnBy: 'api-tokens' })
  create(@CurrentUser() user: UserEntity, @Body() input: CreateApiTokenDto): Promise<CreatedApiToken> {
    return this.tokens.create(user, input.name || 'API token');
  }

  @Post('api-tokens/:id/revoke')
  @HttpCode(200)
  @Answer({ redirect: '/account/api-tokens', notice: 'The API token was revoked.' })
  async revoke(
    @CurrentUser() user: UserEntity,
    @Param('id', ParseIntPipe) id: number,
  ): Promise<{ revoked: true }> {
    await this.tokens.revoke(user, id);
    return { revoked: true };
  }

  /** The tokens on a page of their own (the /account page carries the same partial), or as JSON. */
  @Get('api-tokens')
  @Answer({ drawnBy: 'api-tokens' })
  list(@CurrentUser() user: UserEntity): Promise<ApiTokenView[]> {
    return this.tokens.list(user);
  }
}
