import { Module } from '@nestjs/common';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { JobRunner } from './job-runner.service.js';
import { RenderQueue } from './render-queue.service.js';

/** The backend (RENDER_BACKEND) and config (RENDERER_CONFIG) come from global modules. */
@Module({
  providers: [RenderQueue, JobRunner, SdHealth, ResultStore],
  exports: [RenderQueue, ResultStore],
})
export class QueueModule {}
