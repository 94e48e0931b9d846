import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { RenderController } from './render.controller.js';

@Module({ imports: [QueueModule], controllers: [RenderController] })
export class RenderModule {}
