import { Module } from '@nestjs/common';
import { RenderQueueService } from './render-queue.service.js';

/** The backend (RENDER_BACKEND) and config (RENDERER_CONFIG) come from global modules. */
@Module({ providers: [RenderQueueService], exports: [RenderQueueService] })
export class QueueModule {}
