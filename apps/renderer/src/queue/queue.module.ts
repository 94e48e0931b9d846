import { Module } from '@nestjs/common';
import { ResultStore } from '../results/result-store.service.js';
import { RenderWorkers } from './render-workers.service.js';

/** The backends (RENDER_BACKENDS) and config (RENDERER_CONFIG) come from global modules. */
@Module({
  providers: [RenderWorkers, ResultStore],
  exports: [RenderWorkers, ResultStore],
})
export class QueueModule {}
