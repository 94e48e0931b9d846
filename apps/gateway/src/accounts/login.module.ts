import { AccountsCoreModule } from './accounts-core.module.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { LockoutService } from './lockout.service.js';
import { LoginFailureEntity } from './login-failure.entity.js';
import { LoginFailuresRepository } from './login-failures.repository.js';
import { LoginController } from './login.controller.js';
import { LoginService } from './login.service.js';
import { LogoutController } from './logout.controller.js';

/** Login, logout, lockout and the account page (password change). */
@Module({
  imports: [
    AccountsCoreModule,
    TypeOrmModule.forFeature([LoginFailureEntity]),
    AuthModule,
    IdentityModule,
    UsersModule,
  ],
  controllers: [LoginController, LogoutController, AccountController],
  providers: [LoginFailuresRepository, LockoutService, LoginService, AccountService],
  exports: [LoginService],
})
export class LoginModule {}
