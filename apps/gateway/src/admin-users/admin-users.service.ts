import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  type OnModuleInit,
} from '@nestjs/common';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { UserFilesService } from './user-files.service.js';
import type {
  BanView,
  DeletionPreview,
  DeletionView,
  UserRowView,
  UsersPageView,
} from './admin-users.view.js';

/** A party can have hundreds of guests; the table shows them in pages. */
export const USERS_PAGE_SIZE = 50;

/** The host's rules for guests: list them, ban and unban, delete them with everything they made. */
@Injectable()
export class AdminUsersService implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly suggestions: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly files: UserFilesService,
    private readonly pages: PageRegistry,
  ) {}

  /** A refused invitation (a taken name, a bad address) comes back on the users page, the form filled in. */
  onModuleInit(): void {
    this.pages.register(
      'invite',
      async (req: AppRequest, { refusal }) =>
        new Page('admin/users', {
          title: 'Users',
          ...(await this.page(1, '', req.user!)),
          inviteError: refusal?.message,
          draft: refusal?.input ?? {},
        }),
    );
  }

  async page(requested: number, search: string, viewer: UserEntity): Promise<UsersPageView> {
    const total = await this.users.countMatching(search);
    const pages = Math.max(1, Math.ceil(total / USERS_PAGE_SIZE));
    const page = Math.min(Math.max(1, requested), pages);
    const users = await this.users.listPage((page - 1) * USERS_PAGE_SIZE, USERS_PAGE_SIZE, search);
    const counts = await this.suggestions.countByStatusForUsers(users.map((user) => user.id));
    const rows = users.map((user): UserRowView => {
      const own = counts.get(user.id)!;
      return {
        id: user.id,
        colourName: user.colourName,
        colourHex: user.colourHex,
        username: user.username,
        role: user.role,
        banned: user.banned,
        isYou: user.id === viewer.id,
        lastSeenAt: user.lastSeenAt.toISOString(),
        counts: own,
        inProgress: own.approved + own.queued + own.rendering,
        total: Object.values(own).reduce((sum, n) => sum + n, 0),
      };
    });
    return {
      users: rows,
      total,
      search,
      page,
      pages,
      here: usersQuery(page, search),
      previousHref: page > 1 ? `/admin/users${usersQuery(page - 1, search)}` : null,
      nextHref: page < pages ? `/admin/users${usersQuery(page + 1, search)}` : null,
    };
  }

  /**
   * A banned guest still sees their page but cannot submit (SuggestionsService checks the flag); whatever
   * they still have waiting is denied now, so the queue is clean, and each denial is announced live.
   */
  async ban(id: number, admin: UserEntity): Promise<BanView & { message: string }> {
    const user = await this.otherUser(id, admin, 'ban');
    // Banned first: from here on a new submission is refused, so nothing slips in behind the denials.
    await this.users.setBanned(id, true);
    const denied = (await this.lifecycle.denyAllPendingOf(id, admin.id)).map((row) => row.suggestionId);
    const waiting = denied.length === 1 ? '1 waiting prompt was' : `${denied.length} waiting prompts were`;
    return {
      id,
      banned: true,
      deniedPromptIds: denied,
      message: `${user.colourName} is banned; ${waiting} denied.`,
    };
  }

  /** Lets them send prompts again; prompts denied by the ban stay denied. */
  async unban(id: number): Promise<BanView & { message: string }> {
    const user = await this.existing(id);
    if (user.banned) await this.users.setBanned(id, false);
    return { id, banned: false, deniedPromptIds: [], message: `${user.colourName} can send prompts again.` };
  }

  /** What the confirmation page shows before anything is deleted. */
  async deletionPreview(
    id: number,
    admin: UserEntity,
    back: { page?: number; q?: string } = {},
  ): Promise<DeletionPreview & { here: string }> {
    const user = await this.otherUser(id, admin, 'delete');
    const prompts = await this.suggestions.listIdsAndFilesOfUser(id);
    return {
      user: { id: user.id, colourName: user.colourName, colourHex: user.colourHex, role: user.role },
      prompts: prompts.length,
      images: prompts.filter((prompt) => prompt.imageFile).length,
      here: usersQuery(back.page ?? 1, back.q ?? ''),
    };
  }

  /**
   * Deletes the user, their prompts, fingerprint links and devices (foreign-key cascade), then their files.
   * Their session is left to IdentityService, which treats a session naming a missing user as new.
   */
  async delete(
    id: number,
    admin: UserEntity,
    confirmed: boolean,
  ): Promise<DeletionView & { message: string }> {
    const user = await this.otherUser(id, admin, 'delete');
    if (!confirmed) {
      throw new BadRequestException(
        `Deleting ${user.colourName} cannot be undone: confirm it (JSON: { "confirm": true }).`,
      );
    }
    // Listed before the rows go, since the rows are what record which files are theirs.
    const prompts = await this.suggestions.listIdsAndFilesOfUser(id);
    if (!(await this.users.deleteById(id))) throw new NotFoundException(`There is no user #${id}.`);
    const filesRemoved = await this.files.removeFor(prompts);
    this.lifecycle.removedWithAuthor(
      id,
      prompts.map((prompt) => prompt.id),
    );
    const count = prompts.length === 1 ? '1 prompt' : `${prompts.length} prompts`;
    return {
      id,
      deleted: true,
      prompts: prompts.length,
      filesRemoved,
      message: `${user.colourName} was deleted with ${count}.`,
    };
  }

  private async existing(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(`There is no user #${id}.`);
    return user;
  }

  /** The host must not lock themself out: banning or deleting one's own account is refused. */
  private async otherUser(id: number, admin: UserEntity, action: 'ban' | 'delete'): Promise<UserEntity> {
    if (id === admin.id) {
      throw new ConflictException(
        action === 'ban'
          ? 'You cannot ban yourself.'
          : 'You cannot delete yourself: the party would lose its host.',
      );
    }
    return this.existing(id);
  }
}

/** `?page=…&q=…` for the users page; empty for the first page without a search. */
export function usersQuery(page: number, search: string): string {
  const params = new URLSearchParams();
  if (page > 1) params.set('page', String(page));
  if (search) params.set('q', search);
  const query = params.toString();
  return query ? `?${query}` : '';
}
