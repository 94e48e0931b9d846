import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '../live/live-events.js';
import type { LiveEventsService } from '../live/live-events.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { emptyStatusCounts, type SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { SuggestionsRepository } from '../suggestions/suggestions.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import type { UsersRepository } from '../users/users.repository.js';
import { AdminUsersService, USERS_PAGE_SIZE, usersQuery } from './admin-users.service.js';
import type { UserFilesService } from './user-files.service.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';

function user(id: number, extra: Partial<UserEntity> = {}): UserEntity {
  return {
    id,
    colourName: `colour${id}`,
    colourHex: '#123456',
    colourIndex: id,
    role: 'guest',
    banned: false,
    trusted: false,
    createdAt: new Date('2026-01-01T20:00:00Z'),
    lastSeenAt: new Date('2026-01-01T21:00:00Z'),
    username: null,
    email: null,
    passwordHash: null,
    passwordChangedAt: null,
    sessionEpoch: 0,
    ...extra,
  };
}

function setUp(people: UserEntity[]) {
  const byId = new Map(people.map((person) => [person.id, person]));
  const users = {
    findById: vi.fn(async (id: number) => byId.get(id) ?? null),
    countMatching: vi.fn(async () => people.length),
    listPage: vi.fn(async (offset: number, limit: number) => people.slice(offset, offset + limit)),
    setBanned: vi.fn(async () => undefined),
    deleteById: vi.fn(async (id: number) => byId.delete(id)),
  };
  const suggestions = {
    countByStatusForUsers: vi.fn(async (ids: number[]) => {
      const counts = new Map(ids.map((id) => [id, emptyStatusCounts()]));
      const first = counts.get(ids[0]);
      if (first) Object.assign(first, { pending: 2, approved: 1, queued: 1, rendering: 1, rendered: 3 });
      return counts;
    }),
    listIdsAndFilesOfUser: vi.fn(async () => [
      { id: 11, imageFile: null },
      { id: 12, imageFile: '12.png' },
    ]),
  };
  // The real lifecycle (it builds the events) over a stand-in for its statements.
  const statements = {
    denyAllPendingOf: vi.fn(async (userId: number) => [
      { id: 11, userId },
      { id: 12, userId },
    ]),
  };
  const files = { removeFor: vi.fn(async () => 2) };
  const events: LiveEvent[] = [];
  const live = { emit: (event: LiveEvent) => events.push(event) };
  const audit = { record: vi.fn(async () => undefined), recordHeld: vi.fn(async () => undefined) };
  const settings = { get: async () => ({ autoApprove: 'off' }) };
  const lifecycle = new SuggestionLifecycle(
    statements as unknown as SuggestionsRepository,
    live as unknown as LiveEventsService,
    audit as unknown as AuditLog,
    settings as unknown as SettingsService,
  );
  const service = new AdminUsersService(
    users as unknown as UsersRepository,
    suggestions as unknown as SuggestionQueries,
    lifecycle,
    files as unknown as UserFilesService,
    new PageRegistry(),
    audit as unknown as AuditLog,
    settings as unknown as SettingsService,
  );
  return { service, users, suggestions, statements, files, events, audit };
}

const admin = user(1, { role: 'admin' });

describe('AdminUsersService', () => {
  it('builds a page with one grouped count query for all its users', async () => {
    const people = [admin, ...Array.from({ length: 59 }, (_, i) => user(i + 2))];
    const { service, suggestions } = setUp(people);
    const page = await service.page(1, '', admin);
    expect(page.users).toHaveLength(USERS_PAGE_SIZE);
    expect(suggestions.countByStatusForUsers).toHaveBeenCalledTimes(1);
    expect(suggestions.countByStatusForUsers).toHaveBeenCalledWith(page.users.map((row) => row.id));
    expect(page.users[0]).toMatchObject({ id: 1, isYou: true, inProgress: 3, total: 8 });
    expect(page.users[1]).toMatchObject({ isYou: false, total: 0, lastSeenAt: '2026-01-01T21:00:00.000Z' });
    expect(page).toMatchObject({ page: 1, pages: 2, previousHref: null, nextHref: '/admin/users?page=2' });
  });

  it('clamps the page number into range', async () => {
    const { service } = setUp([admin, user(2)]);
    expect((await service.page(9, '', admin)).page).toBe(1);
  });

  it('ban: bans first, then denies what is waiting and announces each denial', async () => {
    const { service, users, statements, events, audit } = setUp([admin, user(2)]);
    const result = await service.ban(2, admin);
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'ban',
        action: 'ban',
        actorId: 1,
        subjectUserId: 2,
        details: { deniedPromptIds: [11, 12] },
      }),
    );
    expect(users.setBanned).toHaveBeenCalledWith(2, true);
    expect(users.setBanned.mock.invocationCallOrder[0]).toBeLessThan(
      statements.denyAllPendingOf.mock.invocationCallOrder[0],
    );
    expect(statements.denyAllPendingOf).toHaveBeenCalledWith(
      2,
      1,
      expect.stringContaining('banned'),
      expect.any(Date),
    );
    expect(result).toMatchObject({ id: 2, banned: true, deniedPromptIds: [11, 12] });
    expect(events).toEqual([
      { type: 'suggestion.status', userId: 2, suggestionId: 11, status: 'denied' },
      { type: 'suggestion.status', userId: 2, suggestionId: 12, status: 'denied' },
    ]);
  });

  it('refuses to ban or delete the admin themself, and unknown users', async () => {
    const { service, users } = setUp([admin]);
    await expect(service.ban(1, admin)).rejects.toThrow(ConflictException);
    await expect(service.delete(1, admin, true)).rejects.toThrow(ConflictException);
    await expect(service.deletionPreview(1, admin)).rejects.toThrow(ConflictException);
    await expect(service.ban(5, admin)).rejects.toThrow(NotFoundException);
    await expect(service.unban(5, admin)).rejects.toThrow(NotFoundException);
    await expect(service.delete(5, admin, true)).rejects.toThrow(NotFoundException);
    expect(users.setBanned).not.toHaveBeenCalled();
    expect(users.deleteById).not.toHaveBeenCalled();
  });

  it('unban clears the flag only when set', async () => {
    const { service, users, audit } = setUp([admin, user(2, { banned: true }), user(3)]);
    expect(await service.unban(2, admin)).toMatchObject({ id: 2, banned: false });
    expect(users.setBanned).toHaveBeenCalledWith(2, false);
    await service.unban(3, admin);
    expect(users.setBanned).toHaveBeenCalledTimes(1);
    // Audited once: the unban that changed something.
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ action: 'unban', subjectUserId: 2 }));
  });

  it('delete: needs confirmation, lists files before the rows go, then removes them and announces it', async () => {
    const { service, users, suggestions, files, events, audit } = setUp([
      admin,
      user(2, { username: 'sam' }),
    ]);
    await expect(service.delete(2, admin, false)).rejects.toThrow(BadRequestException);
    expect(users.deleteById).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();

    const result = await service.delete(2, admin, true);
    expect(suggestions.listIdsAndFilesOfUser.mock.invocationCallOrder.at(-1)).toBeLessThan(
      users.deleteById.mock.invocationCallOrder[0],
    );
    expect(files.removeFor).toHaveBeenCalledWith([
      { id: 11, imageFile: null },
      { id: 12, imageFile: '12.png' },
    ]);
    expect(result).toMatchObject({ id: 2, deleted: true, prompts: 2, filesRemoved: 2 });
    // The entry names them as they were: their row is gone.
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'deletion', subjectUserId: 2, subjectName: 'colour2 (sam)' }),
    );
    expect(events).toEqual([
      { type: 'suggestion.removed', userId: 2, suggestionId: 11 },
      { type: 'suggestion.removed', userId: 2, suggestionId: 12 },
    ]);
  });

  it('usersQuery keeps page and search for links back', () => {
    expect(usersQuery(1, '')).toBe('');
    expect(usersQuery(3, 'dark red&x')).toBe('?page=3&q=dark+red%26x');
  });
});
