import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  type OnModuleInit,
} from '@nestjs/common';
import { AuditLog } from '../audit/audit.service.js';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import { authorRule } from '../screening/screening.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { UserFilesService } from './user-files.service.js';
import type {
  BanView,
  DeletionPreview,
  DeletionView,
  TrustView,
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
    private readonly audit: AuditLog,
    private readonly settings: SettingsService,
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
        trusted: user.trusted,
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
    await this.audit.record({
      kind: 'ban',
      action: 'ban',
      actorId: admin.id,
      subjectUserId: id,
      summary: `Banned ${user.colourName}; ${waiting} denied`,
      details: { deniedPromptIds: denied },
    });
    return {
      id,
      banned: true,
      deniedPromptIds: denied,
      message: `${user.colourName} is banned; ${waiting} denied.`,
    };
  }

  /** Lets them send prompts again; prompts denied by the ban stay denied. */
  async unban(id: number, admin: UserEntity): Promise<BanView & { message: string }> {
    const user = await this.existing(id);
    if (user.banned) {
      await this.users.setBanned(id, false);
      await this.audit.record({
        kind: 'ban',
        action: 'unban',
        actorId: admin.id,
        subjectUserId: id,
        summary: `Unbanned ${user.colourName}`,
      });
    }
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
    const count = prompts.length === 1 ? '1 prompt' : `${prompts.length} prompts`;
    await this.audit.record({
      kind: 'deletion',
      action: 'delete-user',
      actorId: admin.id,
      subjectUserId: id,
      subjectName: user.username ? `${user.colourName} (${user.username})` : user.colourName,
      summary: `Deleted ${user.colourName} with ${count}`,
    });
    const filesRemoved = await this.files.removeFor(prompts);
    this.lifecycle.removedWithAuthor(
      id,
      prompts.map((prompt) => prompt.id),
    );
    return {
      id,
      deleted: true,
      prompts: prompts.length,
      filesRemoved,
      message: `${user.colourName} was deleted with ${count}.`,
    };
  }

  /**
   * Trust (or no longer trust) a guest: with Auto-approve on "Trusted guests" or beyond, their prompts are
   * approved at once from now on, and what they have waiting (no picture, not flagged) is approved now.
   */
  async setTrusted(
    id: number,
    trusted: boolean,
    actor: UserEntity,
  ): Promise<TrustView & { message: string }> {
    const user = await this.existing(id);
    // Once the guest is trusted, the Auto-approve sweep (twice a second) may approve what they have waiting
    // before the statement below does: the answer counts what trusting approved, whichever ran it.
    const waiting = trusted ? await this.suggestions.pendingIdsOf(id) : [];
    if (user.trusted !== trusted) {
      await this.users.setTrusted(id, trusted);
      await this.audit.record({
        kind: 'trust',
        action: trusted ? 'trust' : 'untrust',
        actorId: actor.id,
        subjectUserId: id,
        summary: `${trusted ? 'Trusted' : 'No longer trusts'} ${user.colourName}`,
      });
    }
    let approved: number[] = [];
    const rule = authorRule((await this.settings.get()).autoApprove, { role: 'guest', trusted });
    if (trusted && rule === 'trusted-guest') {
      const now = (await this.lifecycle.autoApprove(rule, { userId: id })).map((row) => row.suggestionId);
      const byEither = new Set([...now, ...(await this.suggestions.decidedByRule(waiting, rule))]);
      approved = [...byEither].sort((a, b) => a - b);
    }
    return {
      id,
      trusted,
      approvedPromptIds: approved,
      message: trusted
        ? `${user.colourName} is trusted${approved.length ? `; ${approved.length} waiting prompt(s) approved` : ''}.`
        : `${user.colourName} is no longer trusted.`,
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
