import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';
import { UserFilesService } from './user-files.service.js';

@Module({
  imports: [UsersModule, SuggestionsModule, SettingsModule],
  controllers: [AdminUsersController],
  providers: [AdminUsersService, UserFilesService],
})
export class AdminUsersModule {}
