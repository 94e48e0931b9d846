import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RendererModule } from '../renderer/renderer.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { AdminSettingsController } from './admin-settings.controller.js';
import { AdminSettingsService } from './admin-settings.service.js';

@Module({
  imports: [SettingsModule, RendererModule, AuditModule],
  controllers: [AdminSettingsController],
  providers: [AdminSettingsService],
})
export class AdminSettingsModule {}
