import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Answer } from '../common/answer/answer.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { AdminUsersService, usersQuery } from './admin-users.service.js';
import type { DeletionPreview, UsersPageView } from './admin-users.view.js';
import { DeleteUserDto } from './dto/delete-user.dto.js';
import { ListUsersQueryDto } from './dto/list-users-query.dto.js';

/** Actions come back to the page (and search) they were made from, with a one-line summary. */
const backToUsers = {
  redirect: (_result: unknown, req: AppRequest) => {
    const { page, q } = req.query;
    return `/admin/users${usersQuery(Number(page) || 1, typeof q === 'string' ? q : '')}`;
  },
  notice: (result: { message: string }) => result.message,
};

/** Trust is given from the users page, a moderation row or the deck: back to where it was given. */
const backFromTrust = {
  redirect: (result: unknown, req: AppRequest) => {
    if (req.query.back === 'moderation') return '/admin';
    if (req.query.back === 'deck') return '/admin/deck';
    return backToUsers.redirect(result, req);
  },
  notice: backToUsers.notice,
};

/** `/admin/users`: pages for browsers, the same data as JSON for everyone else. */
@Roles('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @Answer({ page: 'admin/users', title: 'Users' })
  index(@Query() query: ListUsersQueryDto, @CurrentUser() admin: UserEntity): Promise<UsersPageView> {
    return this.users.page(query.page ?? 1, query.q ?? '', admin);
  }

  // A change to an existing user, not a creation: 200 rather than Nest's 201 for POST.
  @Post(':id/ban')
  @HttpCode(200)
  @Answer(backToUsers)
  ban(@Param('id', ParseIntPipe) id: number, @CurrentUser() admin: UserEntity) {
    return this.users.ban(id, admin);
  }

  @Post(':id/unban')
  @HttpCode(200)
  @Answer(backToUsers)
  unban(@Param('id', ParseIntPipe) id: number, @CurrentUser() admin: UserEntity) {
    return this.users.unban(id, admin);
  }

  /** Moderators too: the Trust button is on every moderation row as well as here. */
  @Post(':id/trust')
  @Roles('admin', 'moderator')
  @HttpCode(200)
  @Answer(backFromTrust)
  trust(@Param('id', ParseIntPipe) id: number, @CurrentUser() actor: UserEntity) {
    return this.users.setTrusted(id, true, actor);
  }

  @Post(':id/untrust')
  @Roles('admin', 'moderator')
  @HttpCode(200)
  @Answer(backFromTrust)
  untrust(@Param('id', ParseIntPipe) id: number, @CurrentUser() actor: UserEntity) {
    return this.users.setTrusted(id, false, actor);
  }

  /** The confirmation page: deleting cannot be undone, and must work without script. */
  @Get(':id/delete')
  @Answer({
    page: 'admin/user-delete',
    title: (preview: DeletionPreview) => `Delete ${preview.user.colourName}?`,
  })
  confirmDelete(
    @Param('id', ParseIntPipe) id: number,
    @Query() back: ListUsersQueryDto,
    @CurrentUser() admin: UserEntity,
  ): Promise<DeletionPreview & { here: string }> {
    return this.users.deletionPreview(id, admin, back);
  }

  @Post(':id/delete')
  @HttpCode(200)
  @Answer(backToUsers)
  delete(
    @Param('id', ParseIntPipe) id: number,
    @Body() input: DeleteUserDto,
    @CurrentUser() admin: UserEntity,
  ) {
    return this.users.delete(id, admin, input.confirm === true);
  }
}
