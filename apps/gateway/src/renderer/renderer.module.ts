import { Module } from '@nestjs/common';
import { ImagePromptsModule } from '../image-prompts/image-prompts.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { RenderOutputService } from './render-output.service.js';
import { RendererLinkService } from './renderer-link.service.js';
import { RendererClient } from './renderer.client.js';

@Module({
  imports: [SuggestionsModule, SettingsModule, ImagePromptsModule],
  providers: [RendererClient, RendererLinkService, RenderOutputService],
  exports: [RendererLinkService, RendererClient],
})
export class RendererModule {}
