import { AccountsCoreModule } from './accounts-core.module.js';
import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokensModule } from '../api-tokens/api-tokens.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountTokenEntity } from './account-token.entity.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsService } from './invitations.service.js';
import { MailNoticeMiddleware } from './mail-notice.middleware.js';
import { MailService } from './mail.service.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { SetPasswordController } from './set-password.controller.js';
import { SetPasswordService } from './set-password.service.js';

/** Mail, invitations by the admin, and the mailed single-use links that set or reset a password. */
@Module({
  imports: [
    AccountsCoreModule,
    TypeOrmModule.forFeature([AccountTokenEntity]),
    ApiTokensModule,
    AuthModule,
    AuditModule,
    IdentityModule,
    UsersModule,
  ],
  controllers: [InvitationsController, SetPasswordController, PasswordResetController],
  providers: [
    MailService,
    AccountTokensRepository,
    InvitationsService,
    SetPasswordService,
    PasswordResetService,
  ],
  exports: [MailService, AccountTokensRepository, InvitationsService],
})
export class InvitationsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The users page shows it, also when drawn again after a refused invitation.
    consumer
      .apply(MailNoticeMiddleware)
      .forRoutes(
        { path: 'admin/users', method: RequestMethod.GET },
        { path: 'admin/users/invite', method: RequestMethod.POST },
      );
  }
}
