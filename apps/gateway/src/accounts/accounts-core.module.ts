import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AccountCreation } from './account-creation.service.js';
import { PasswordHasher } from './password-hasher.service.js';

/** What every accounts feature shares: making an account, and hashing and checking passwords. */
@Module({
  imports: [UsersModule],
  providers: [AccountCreation, PasswordHasher],
  exports: [AccountCreation, PasswordHasher],
})
export class AccountsCoreModule {}
