import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash, takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { AdminUsersService, usersQuery } from './admin-users.service.js';
import { DeleteUserDto } from './dto/delete-user.dto.js';
import { ListUsersQueryDto } from './dto/list-users-query.dto.js';

/**
 * `/admin/users`: pages for browsers, the same data as JSON for everyone else. Actions come back to the
 * page (and search) they were made from, with a one-line summary.
 */
@Roles('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  async index(
    @Query() query: ListUsersQueryDto,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const view = await this.users.page(query.page ?? 1, query.q ?? '', admin);
    if (!prefersHtml(req)) {
      res.json(view);
      return;
    }
    res.render('admin/users', { title: 'Users', isStaff: true, flash: takeFlash(req), ...view });
  }

  @Post(':id/ban')
  async ban(
    @Param('id', ParseIntPipe) id: number,
    @Query() back: ListUsersQueryDto,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    await reply(req, res, await this.users.ban(id, admin), back);
  }

  @Post(':id/unban')
  async unban(
    @Param('id', ParseIntPipe) id: number,
    @Query() back: ListUsersQueryDto,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    await reply(req, res, await this.users.unban(id), back);
  }

  /** The confirmation page: deleting cannot be undone, and must work without script. */
  @Get(':id/delete')
  async confirmDelete(
    @Param('id', ParseIntPipe) id: number,
    @Query() back: ListUsersQueryDto,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    const preview = await this.users.deletionPreview(id, admin);
    if (!prefersHtml(req)) {
      res.json(preview);
      return;
    }
    res.render('admin/user-delete', {
      title: `Delete ${preview.user.colourName}?`,
      isStaff: true,
      ...preview,
      here: usersQuery(back.page ?? 1, back.q ?? ''),
    });
  }

  @Post(':id/delete')
  async delete(
    @Param('id', ParseIntPipe) id: number,
    @Body() input: DeleteUserDto,
    @Query() back: ListUsersQueryDto,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    await reply(req, res, await this.users.delete(id, admin, input.confirm === true), back);
  }
}

async function reply(
  req: AppRequest,
  res: Response,
  result: { message: string },
  back: ListUsersQueryDto,
): Promise<void> {
  if (!prefersHtml(req)) {
    // A change to an existing user, not a creation: 200 rather than Nest's 201 for POST.
    res.status(200).json(result);
    return;
  }
  await setFlash(req, result.message);
  res.redirect(303, `/admin/users${usersQuery(back.page ?? 1, back.q ?? '')}`);
}
