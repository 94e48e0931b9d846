import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, toSqliteDate } from '../database/sql.service.js';
import { AccountTokenEntity, AccountTokenPurpose } from './account-token.entity.js';

/** What a valid token tells us: whose it is and when it was issued (links older than a password change die). */
export interface AccountTokenGrant {
  userId: number;
  purpose: AccountTokenPurpose;
  createdAt: Date;
}

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What every token looks like (32 bytes in base64url): anything else was cut short or altered on the way. */
export const ACCOUNT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** 32 random bytes: a mailed link cannot be guessed, and only its hash is ever stored. */
export function newAccountToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashAccountToken(token) };
}

@Injectable()
export class AccountTokensRepository {
  constructor(
    @InjectRepository(AccountTokenEntity) private readonly tokens: Repository<AccountTokenEntity>,
    private readonly writer: SerialWriter,
    private readonly sql: Sql,
  ) {}

  /** Stores a new single-use token and returns the clear text, which exists only in the mail. */
  async create(
    userId: number,
    purpose: AccountTokenPurpose,
    ttlS: number,
    now = new Date(),
  ): Promise<string> {
    const { token, tokenHash } = newAccountToken();
    await this.writer.write(async (manager) => {
      await manager.insert(AccountTokenEntity, {
        tokenHash,
        userId,
        purpose,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttlS * 1000),
        usedAt: null,
      });
    });
    return token;
  }

  /**
   * Like create, but only while fewer than `cap` links of this purpose were issued to the user in the
   * last `windowMs`: the count and the insert are one statement on the single writer, so however many
   * requests arrive at once, no more than `cap` links are made. Null when the cap is reached.
   */
  async createWithinCap(
    userId: number,
    purpose: AccountTokenPurpose,
    ttlS: number,
    cap: { limit: number; windowMs: number },
    now = new Date(),
  ): Promise<string | null> {
    const { token, tokenHash } = newAccountToken();
    const inserted = await this.writer.exclusive(() =>
      this.sql.run(
        `INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at, used_at)
         SELECT ?, ?, ?, ?, ?, NULL
         WHERE (SELECT COUNT(*) FROM account_tokens WHERE user_id = ? AND purpose = ? AND created_at > ?) < ?`,
        [
          tokenHash,
          userId,
          purpose,
          toSqliteDate(now),
          toSqliteDate(new Date(now.getTime() + ttlS * 1000)),
          userId,
          purpose,
          toSqliteDate(new Date(now.getTime() - cap.windowMs)),
          cap.limit,
        ],
      ),
    );
    return inserted === 1 ? token : null;
  }

  /** Looks without using it up, so the form can be shown (or refused) before anything is typed. */
  async findValid(
    token: string,
    purpose: AccountTokenPurpose,
    now = new Date(),
  ): Promise<AccountTokenGrant | null> {
    const row = await this.tokens.findOneBy({
      tokenHash: hashAccountToken(token),
      purpose,
      usedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
    return row ? { userId: row.userId, purpose: row.purpose, createdAt: row.createdAt } : null;
  }

  /**
   * Uses the token up. The conditional UPDATE is the atomic step: of two requests racing with the same
   * link, only the one whose UPDATE changed a row gets the grant.
   */
  consume(token: string, purpose: AccountTokenPurpose, now = new Date()): Promise<AccountTokenGrant | null> {
    const tokenHash = hashAccountToken(token);
    return this.writer.write(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(AccountTokenEntity)
        .set({ usedAt: now })
        .where({ tokenHash, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) })
        .execute();
      if (!result.affected) return null;
      const row = await manager.findOneByOrFail(AccountTokenEntity, { tokenHash });
      return { userId: row.userId, purpose: row.purpose, createdAt: row.createdAt };
    });
  }

  /** Kills every unused link of this user (after a password is set, or when a new invitation replaces one). */
  async invalidateOpenFor(userId: number, now = new Date()): Promise<number> {
    return this.writer.write(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(AccountTokenEntity)
        .set({ usedAt: now })
        .where({ userId, usedAt: IsNull() })
        .execute();
      return result.affected ?? 0;
    });
  }
}
