import { Body, Controller, HttpCode, Param, ParseIntPipe, Post, Req } from '@nestjs/common';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity } from '../users/user.entity.js';
import { ChangeRoleDto, InvitationDto } from './dto/invitation.dto.js';
import { InvitationsService, type InvitationView, type RoleChangeView } from './invitations.service.js';
import { mailOrigin } from './mail-links.js';

const backToUsers = (form?: string) => ({
  redirect: '/admin/users',
  notice: (view: { message: string }) => view.message,
  ...(form ? { form } : {}),
});

/** The invite form and the role switch on `/admin/users` (admin only: moderators do not manage users). */
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
