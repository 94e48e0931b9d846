import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.js';
import { LiveStreams } from './live-streams.service.js';
import { LiveController } from './live.controller.js';

/** The server-sent event streams of the host's and the guests' pages. */
@Module({ imports: [AdminModule], controllers: [LiveController], providers: [LiveStreams] })
export class LiveModule {}
