import { Global, Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.js';
import { LiveEventsService } from './live-events.service.js';
import { LiveController } from './live.controller.js';

/** The in-process event bus (global: every module may emit) and the server-sent event streams. */
@Global()
@Module({
  imports: [AdminModule],
  controllers: [LiveController],
  providers: [LiveEventsService],
  exports: [LiveEventsService],
})
export class LiveModule {}
