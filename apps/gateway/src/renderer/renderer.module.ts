import { Module } from '@nestjs/common';
import { PicturesModule } from '../pictures/pictures.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { Dispatcher } from './dispatcher.service.js';
import { RenderOutputService } from './render-output.service.js';
import { RendererCatalog } from './renderer-catalog.service.js';
import { RendererClient } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';
import { ResultIntake } from './result-intake.service.js';

/** The gateway's side of the renderer: the client, the link monitor, the dispatcher and the result intake. */
@Module({
  imports: [SuggestionsModule, SettingsModule, PicturesModule],
  providers: [RendererClient, RendererLink, Dispatcher, ResultIntake, RenderOutputService, RendererCatalog],
  exports: [RendererClient, RendererLink, RendererCatalog],
})
export class RendererModule {}
