import { Module } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';
import { PicturesModule } from '../pictures/pictures.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { Dispatcher } from './dispatcher.service.js';
import { HandOver } from './hand-over.service.js';
import { JobSender } from './job-sender.service.js';
import { RenderOutputService } from './render-output.service.js';
import { RenderTimes } from './render-times.service.js';
import { RendererCatalog } from './renderer-catalog.service.js';
import { RendererClient } from './renderer.client.js';
import {
  RENDERER_CLIENT_FACTORY,
  RendererPool,
  type RendererClientFactory,
} from './renderer-pool.service.js';
import { ResultIntake } from './result-intake.service.js';
import { Upcoming } from './upcoming.service.js';
import { WaitEstimates } from './wait-estimates.service.js';
import { WorkBoard } from './work-board.js';

/**
 * The gateway's side of the renderers: one client and link monitor per renderer (the pool), the dispatcher,
 * the result intake, the measured render times and the guests' expected waits.
 */
@Module({
  imports: [SuggestionsModule, SettingsModule, PicturesModule],
  providers: [
    {
      provide: RENDERER_CLIENT_FACTORY,
      useFactory:
        (config: GatewayConfig): RendererClientFactory =>
        (endpoint) =>
          new RendererClient(config, endpoint),
      inject: [GatewayConfig],
    },
    RendererPool,
    WorkBoard,
    Dispatcher,
    HandOver,
    JobSender,
    Upcoming,
    ResultIntake,
    RenderOutputService,
    RendererCatalog,
    RenderTimes,
    WaitEstimates,
  ],
  exports: [RendererPool, RendererCatalog, Dispatcher, WorkBoard, Upcoming, RenderTimes, WaitEstimates],
})
export class RendererModule {}
