import { Body, Controller, Param, ParseIntPipe, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity } from '../users/user.entity.js';
import { ChangeRoleDto, InvitationDto } from './dto/invitation.dto.js';
import { InvitationsService } from './invitations.service.js';
import { mailOrigin } from './mail-links.js';

/** The invite form and the role switch on `/admin/users` (admin only: moderators do not manage users). */
@Roles('admin')
@Controller('admin/users')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly config: GatewayConfig,
  ) {}

  @Post('invite')
  async invite(@Body() input: InvitationDto, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    const view = await this.invitations.invite(input, mailOrigin(this.config, req));
    if (!prefersHtml(req)) {
      res.status(201).json(view);
      return;
    }
    req.session.passOnLink = view.link;
    await setFlash(req, view.message);
    res.redirect(303, '/admin/users');
  }

  /** A new invitation or reset link for an account, e.g. when the first mail never arrived. */
  @Post(':id/password-link')
  async passwordLink(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const view = await this.invitations.passwordLink(id, mailOrigin(this.config, req));
    if (!prefersHtml(req)) {
      res.status(200).json(view);
      return;
    }
    req.session.passOnLink = view.link;
    await setFlash(req, view.message);
    res.redirect(303, '/admin/users');
  }

  @Post(':id/role')
  async changeRole(
    @Param('id', ParseIntPipe) id: number,
    @Body() input: ChangeRoleDto,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const view = await this.invitations.changeRole(id, input.role, admin);
    if (!prefersHtml(req)) {
      res.status(200).json(view);
      return;
    }
    await setFlash(req, view.message);
    res.redirect(303, '/admin/users');
  }
}
