import { BadRequestException, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import { PasswordHasher } from './password-hasher.service.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './account-rules.js';

export interface AccountView {
  username: string | null;
  email: string | null;
  role: string;
  colourName: string;
  colourHex: string;
  hasPassword: boolean;
}

@Injectable()
export class AccountService implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly pages: PageRegistry,
  ) {}

  /** A refused password change shows the account page again with the reason beside the form. */
  onModuleInit(): void {
    this.pages.register(
      'password',
      (req, { refusal }) =>
        new Page('accounts/account', {
          title: 'Your account',
          ...this.view(req.user!),
          passwordError: refusal?.message,
        }),
    );
  }

  view(user: UserEntity): AccountView {
    return {
      username: user.username ?? null,
      email: user.email ?? null,
      role: user.role,
      colourName: user.colourName,
      colourHex: user.colourHex,
      hasPassword: Boolean(user.passwordHash),
    };
  }

  /**
   * Needs the current password, so a borrowed unlocked phone cannot take the account over. The new
   * change time also voids any reset or invitation link issued before it, and every other session of
   * the account ends: this one carries on in the new session epoch.
   */
  async changePassword(req: AppRequest, user: UserEntity, input: ChangePasswordDto): Promise<void> {
    if (!user.passwordHash) {
      throw new BadRequestException('This account has no password yet. Use the link from your invitation.');
    }
    const valid = await this.hasher.verify(user.passwordHash, input.currentPassword);
    if (!valid) throw new BadRequestException('Current password is wrong.');
    const length = [...input.newPassword].length;
    if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
      throw new BadRequestException(`New password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`);
    }
    if (input.newPassword !== input.repeatPassword) {
      throw new BadRequestException('The two new passwords are not the same.');
    }
    const hash = await this.hasher.hash(input.newPassword);
    req.session.epoch = await this.users.setPasswordHash(user.id, hash, { endSessions: true });
  }
}
