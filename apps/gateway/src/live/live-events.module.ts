import { Global, Module } from '@nestjs/common';
import { LiveEventsService } from './live-events.service.js';

/** The in-process event bus; global, since every module that changes something may announce it. */
@Global()
@Module({ providers: [LiveEventsService], exports: [LiveEventsService] })
export class LiveEventsModule {}
