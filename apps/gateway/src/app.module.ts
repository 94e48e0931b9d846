import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { InvitationsModule } from './accounts/invitations.module.js';
import { LoginModule } from './accounts/login.module.js';
import { AdminModule } from './admin/admin.module.js';
import { ApiModule } from './api/api.module.js';
import { HistoryModule } from './history/history.module.js';
import { AdminSettingsModule } from './admin-settings/admin-settings.module.js';
import { AdminUsersModule } from './admin-users/admin-users.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AnswerModule } from './common/answer/answer.module.js';
import { ConfigModule } from './config/config.module.js';
import { GatewayConfig } from './config/gateway.config.js';
import { DatabaseModule } from './database/database.module.js';
import { GalleryModule } from './gallery/gallery.module.js';
import { HomeModule } from './home/home.module.js';
import { LiveEventsModule } from './live/live-events.module.js';
import { LiveModule } from './live/live.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { SuggestionsModule } from './suggestions/suggestions.module.js';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        LiveEventsModule,
        AnswerModule,
        // Named 'default' so a 429 carries the standard Retry-After header (others get a -name suffix).
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.limits.submissionsPerMinute }],
        }),
        SessionsModule,
        SettingsModule,
        AuthModule,
        LoginModule,
        InvitationsModule,
        HomeModule,
        SuggestionsModule,
        AdminModule,
        AdminUsersModule,
        AdminSettingsModule,
        GalleryModule,
        ApiModule,
        HistoryModule,
        LiveModule,
      ],
    };
  }
}
