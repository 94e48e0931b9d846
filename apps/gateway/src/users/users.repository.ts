import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, toSqliteDate } from '../database/sql.service.js';
import { colourForIndex, CSS_COLOUR_COUNT, pickColourIndex } from './colours.js';
import { UserFingerprintEntity } from './user-fingerprint.entity.js';
import { UserEntity, UserRole } from './user.entity.js';

/** Users looked up by id on every request; the gateway is their only writer, so every write below evicts. */
const CACHE_SIZE = 20_000;

@Injectable()
export class UsersRepository {
  private readonly cache = new Map<number, UserEntity>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly writer: SerialWriter,
    private readonly sql: Sql,
  ) {}

  /** The returned entity may be shared with other requests: treat it as read-only. */
  async findById(id: number): Promise<UserEntity | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const user = await this.users.findOneBy({ id });
    if (user) {
      this.cache.set(id, user);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as number);
    }
    return user;
  }

  /** Guests seen with this fingerprint key, most recent first: one index lookup whatever the user count. */
  findGuestsByFingerprintKey(fingerprintKey: string, limit = 5): Promise<UserEntity[]> {
    return this.users
      .createQueryBuilder('user')
      .innerJoin(UserFingerprintEntity, 'fp', 'fp.user_id = user.id')
      .where('fp.fingerprint_key = :fingerprintKey', { fingerprintKey })
      .andWhere('user.role = :role', { role: 'guest' })
      .orderBy('fp.last_seen_at', 'DESC')
      .limit(limit)
      .getMany();
  }

  /**
   * Creates a user with the next free colour. Allocation and insert run alone (SerialWriter), and the
   * unique indexes on colour name and index are the last line of defence against a duplicate.
   */
  createWithColour(role: UserRole, fingerprintKey: string | null, now = new Date()): Promise<UserEntity> {
    return this.writer.transaction((manager) => this.insertWithColour(manager, role, fingerprintKey, now));
  }

  /**
   * A new account (a user with a colour, a login name and maybe a password) in one transaction: either
   * all of it is stored or nothing. A name or address taken meanwhile (the unique indexes) says which.
   */
  async createAccount(
    account: { username: string; email: string; role: UserRole; passwordHash: string | null },
    now = new Date(),
  ): Promise<UserEntity | 'username-taken' | 'email-taken'> {
    try {
      return await this.writer.transaction(async (manager) => {
        const user = await this.insertWithColour(manager, account.role, null, now);
        const fields = {
          username: account.username,
          email: account.email,
          passwordHash: account.passwordHash,
          passwordChangedAt: account.passwordHash ? now : null,
        };
        await manager.update(UserEntity, { id: user.id }, fields);
        return Object.assign(user, fields);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/UNIQUE constraint failed: users\.username/i.test(message)) return 'username-taken';
      if (/UNIQUE constraint failed: users\.email/i.test(message)) return 'email-taken';
      throw error;
    }
  }

  private async insertWithColour(
    manager: EntityManager,
    role: UserRole,
    fingerprintKey: string | null,
    now: Date,
  ): Promise<UserEntity> {
    const usedRows: { colour_index: number }[] = await manager.query(
      'SELECT colour_index FROM users WHERE colour_index < ?',
      [CSS_COLOUR_COUNT],
    );
    const [{ highest }]: { highest: number | null }[] = await manager.query(
      'SELECT MAX(colour_index) AS highest FROM users',
    );
    const colour = colourForIndex(pickColourIndex(new Set(usedRows.map((row) => row.colour_index)), highest));
    const user = manager.create(UserEntity, {
      colourName: colour.name,
      colourHex: colour.hex,
      colourIndex: colour.index,
      role,
      banned: false,
      createdAt: now,
      lastSeenAt: now,
    });
    await manager.insert(UserEntity, user);
    if (fingerprintKey) {
      await manager.insert(UserFingerprintEntity, { fingerprintKey, userId: user.id, lastSeenAt: now });
    }
    return user;
  }

  async rememberFingerprint(userId: number, fingerprintKey: string, now = new Date()): Promise<void> {
    await this.writer.write(async (manager) => {
      await manager.query(
        `INSERT INTO user_fingerprints (fingerprint_key, user_id, last_seen_at) VALUES (?, ?, ?)
         ON CONFLICT (fingerprint_key, user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
        [fingerprintKey, userId, toSqliteDate(now)],
      );
      await manager.update(UserEntity, { id: userId }, { lastSeenAt: now });
    });
    this.cache.delete(userId);
  }

  async setRole(userId: number, role: UserRole): Promise<void> {
    await this.writer.write(async (manager) => {
      await manager.update(UserEntity, { id: userId }, { role });
    });
    this.cache.delete(userId);
  }

  async setBanned(userId: number, banned: boolean): Promise<void> {
    await this.writer.write(async (manager) => {
      await manager.update(UserEntity, { id: userId }, { banned });
    });
    this.cache.delete(userId);
  }

  async setTrusted(userId: number, trusted: boolean): Promise<void> {
    await this.writer.write(async (manager) => {
      await manager.update(UserEntity, { id: userId }, { trusted });
    });
    this.cache.delete(userId);
  }

  /** The account a login names: its exact username, or its email (stored lower-cased). */
  findByUsernameOrEmail(identifier: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('user')
      .where('user.username = :identifier', { identifier })
      .orWhere('user.email = :email', { email: identifier.toLowerCase() })
      .getOne();
  }

  /**
   * Also records when, so emailed links issued before this moment stop working. With `endSessions`, the
   * same statement moves the session epoch on (every session started before it ends) and returns the
   * new epoch, for the one session that is to stay.
   */
  async setPasswordHash(
    userId: number,
    passwordHash: string,
    options: { endSessions?: boolean } = {},
    now = new Date(),
  ): Promise<number> {
    const [row] = await this.writer.exclusive(() =>
      this.sql.all<{ session_epoch: number }>(
        `UPDATE users SET password_hash = ?, password_changed_at = ?, session_epoch = session_epoch + ?
         WHERE id = ? RETURNING session_epoch`,
        [passwordHash, toSqliteDate(now), options.endSessions ? 1 : 0, userId],
      ),
    );
    this.cache.delete(userId);
    return row?.session_epoch ?? 0;
  }

  /** Turns an existing user (say, one made by createWithColour) into an account with a login name. */
  async setAccount(
    userId: number,
    account: { username: string; email: string; role: UserRole },
  ): Promise<void> {
    await this.writer.write(async (manager) => {
      await manager.update(
        UserEntity,
        { id: userId },
        { username: account.username, email: account.email.toLowerCase(), role: account.role },
      );
    });
    this.cache.delete(userId);
  }

  /**
   * Deletes a user. The foreign keys (ON DELETE CASCADE) take their prompts, fingerprint links and enrolled
   * devices with them in the same statement; a session still naming them finds no user and starts afresh.
   */
  async deleteById(userId: number): Promise<boolean> {
    const deleted = await this.writer.write(async (manager) => {
      const result = await manager.delete(UserEntity, { id: userId });
      return (result.affected ?? 0) > 0;
    });
    this.cache.delete(userId);
    return deleted;
  }

  /** One page of users in joining order, for the admin; `colourSearch` matches any part of the colour name. */
  listPage(offset: number, limit: number, colourSearch = ''): Promise<UserEntity[]> {
    return this.matching(colourSearch).orderBy('user.id', 'ASC').offset(offset).limit(limit).getMany();
  }

  countMatching(colourSearch = ''): Promise<number> {
    return this.matching(colourSearch).getCount();
  }

  private matching(colourSearch: string) {
    const query = this.users.createQueryBuilder('user');
    if (!colourSearch) return query;
    // LIKE wildcards typed by the admin are matched literally.
    const pattern = `%${colourSearch.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return query.where("user.colour_name LIKE :pattern ESCAPE '\\'", { pattern });
  }

  async hasRole(role: UserRole): Promise<boolean> {
    return (await this.users.countBy({ role })) > 0;
  }

  count(): Promise<number> {
    return this.users.count();
  }
}
