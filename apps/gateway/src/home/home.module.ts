import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { RendererModule } from '../renderer/renderer.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { HomeController } from './home.controller.js';
import { HomeService } from './home.service.js';

@Module({
  imports: [IdentityModule, SettingsModule, SuggestionsModule, RendererModule],
  controllers: [HomeController],
  providers: [HomeService],
})
export class HomeModule {}
