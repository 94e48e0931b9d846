import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module.js';
import { ScreeningService } from './screening.service.js';

/** The host's word lists and Auto-approve rules, read against each new prompt. */
@Module({
  imports: [SettingsModule],
  providers: [ScreeningService],
  exports: [ScreeningService],
})
export class ScreeningModule {}
