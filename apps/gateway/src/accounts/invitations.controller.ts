import { Body, Controller, HttpCode, Param, ParseIntPipe, Post, Req } from '@nestjs/common';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer, type AnswerOptions } from '../common/answer/answer.decorator.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity } from '../users/user.entity.js';
import { ChangeRoleDto, InvitationDto } from './dto/invitation.dto.js';
import {
  InvitationsService,
  type InvitationView,
  type PasswordLinkView,
  type RoleChangeView,
} from './invitations.service.js';
import { mailOrigin } from './mail-links.js';

/**
 * Back to the users page with the summary; without mail, the link itself too, shown there once for the
 * admin to pass on.
 */
const backToUsers = (form?: string): AnswerOptions<{ message: string; link?: string }> => ({
  redirect: '/admin/users',
  notice: (view) => view.message,
  carry: (view) => ({ passOnLink: view.link }),
  ...(form ? { form } : {}),
});

/** The invite form, password links and the role switch on `/admin/users` (admin only). */
@Roles('admin')
@Controller('admin/users')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly config: GatewayConfig,
  ) {}

  @Post('invite')
  @HttpCode(201)
  @Answer(backToUsers('invite'))
  invite(@Body() input: InvitationDto, @Req() req: AppRequest): Promise<InvitationView> {
    return this.invitations.invite(input, mailOrigin(this.config, req));
  }

  /** A new invitation or reset link for an account, e.g. when the first mail never arrived. */
  @Post(':id/password-link')
  @HttpCode(200)
  @Answer(backToUsers())
  passwordLink(@Param('id', ParseIntPipe) id: number, @Req() req: AppRequest): Promise<PasswordLinkView> {
    return this.invitations.passwordLink(id, mailOrigin(this.config, req));
  }

  @Post(':id/role')
  @HttpCode(200)
  @Answer(backToUsers())
  changeRole(
    @Param('id', ParseIntPipe) id: number,
    @Body() input: ChangeRoleDto,
    @CurrentUser() admin: UserEntity,
  ): Promise<RoleChangeView> {
    return this.invitations.changeRole(id, input.role, admin);
  }
}
