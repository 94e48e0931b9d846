import { ConflictException, Injectable } from '@nestjs/common';
import type { UserEntity, UserRole } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { PasswordHasher } from './password-hasher.service.js';

export interface NewAccount {
  username: string;
  email: string;
  role: UserRole;
  /** Set now (the API may give one), or left for the holder to choose through an invitation link. */
  password?: string;
}

/**
 * The one way an account is made, for the invite form and `/api/register` alike: a colour, a name, an
 * address and (maybe) a password, in one transaction, so a refused account leaves nothing behind. A
 * taken name or address is a 409 that says which.
 */
@Injectable()
export class AccountCreation {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(input: NewAccount): Promise<UserEntity> {
    const email = input.email.toLowerCase();
    // Asked first for a clear message; the unique indexes still decide a race between two creations.
    await this.assertFree(input.username, email);
    // Hashed before the transaction, so a slow hash never holds the single database writer.
    const passwordHash = input.password ? await this.hasher.hash(input.password) : null;
    const created = await this.users.createAccount({
      username: input.username,
      email,
      role: input.role,
      passwordHash,
    });
    if (created === 'username-taken' || created === 'email-taken')
      throw taken(created, input.username, email);
    return created;
  }

  private async assertFree(username: string, email: string): Promise<void> {
    const [byName, byEmail] = await Promise.all([
      this.users.findByUsernameOrEmail(username),
      this.users.findByUsernameOrEmail(email),
    ]);
    if (byName?.username === username) throw taken('username-taken', username, email);
    if (byEmail?.email === email) throw taken('email-taken', username, email);
  }
}

function taken(which: 'username-taken' | 'email-taken', username: string, email: string): ConflictException {
  return which === 'username-taken'
    ? new ConflictException(`The username ${username} is already taken.`)
    : new ConflictException(`There is already an account for ${email}.`);
}
