import { createHash, randomBytes } from 'node:crypto';
import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { ApiTokensRepository } from './api-tokens.repository.js';

export const TOKEN_PREFIX = 'vn_';
/** "Last used" is a hint, not an audit log: refreshing it at most once a minute keeps API calls read-only. */
const LAST_USED_REFRESH_MS = 60_000;

export interface ApiTokenView {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface CreatedApiToken extends ApiTokenView {
  /** The secret itself: shown once, never stored. */
  token: string;
}

/** Personal API tokens: random secrets of which only the SHA-256 is kept, so a database leak reveals none. */
@Injectable()
export class ApiTokensService implements OnModuleInit {
  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly users: UsersRepository,
    private readonly pages: PageRegistry,
  ) {}

  /** The tokens page: the list, and a token just created (shown this once) above it. */
  onModuleInit(): void {
    this.pages.register('api-tokens', async (req, { result }) => {
      const created = result && !Array.isArray(result) ? (result as CreatedApiToken) : undefined;
      return new Page('api-tokens/tokens', {
        title: 'API tokens',
        apiTokens: Array.isArray(result) ? result : await this.list(req.user!),
        newApiToken: created,
      });
    });
  }

  async create(user: UserEntity, name: string): Promise<CreatedApiToken> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const saved = await this.tokens.create(user.id, name, hashToken(token));
    return { ...toApiTokenView(saved), token };
  }

  async list(user: UserEntity): Promise<ApiTokenView[]> {
    return (await this.tokens.listActiveOfUser(user.id)).map(toApiTokenView);
  }

  async revoke(user: UserEntity, id: number): Promise<void> {
    if (!(await this.tokens.revoke(id, user.id))) throw new NotFoundException('There is no such API token.');
  }

  /** After a password reset: none of the account's tokens works any more. */
  async revokeAllOf(userId: number): Promise<void> {
    await this.tokens.revokeAllOf(userId);
  }

  /** The user a bearer token stands for, or null for anything unknown, revoked or malformed. */
  async authenticate(token: string): Promise<UserEntity | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const found = await this.tokens.findActiveByHash(hashToken(token));
    if (!found) return null;
    const user = await this.users.findById(found.userId);
    if (!user) return null;
    if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > LAST_USED_REFRESH_MS) {
      await this.tokens.markUsed(found.id);
    }
    return user;
  }
}

/** A plain SHA-256 suffices: the token has 256 bits of entropy, so there is nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toApiTokenView(token: {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt ? token.lastUsedAt.toISOString() : null,
  };
}
