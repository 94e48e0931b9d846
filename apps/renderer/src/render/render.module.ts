import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { CatalogService } from './catalog.service.js';
import { RenderController } from './render.controller.js';

@Module({ imports: [QueueModule], controllers: [RenderController], providers: [CatalogService] })
export class RenderModule {}
