import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { PictureUploadMiddleware } from './picture-upload.middleware.js';
import { PictureService } from './picture.service.js';
import { SafeFetchService } from './safe-fetch.service.js';

@Module({
  providers: [
    PictureService,
    // Built by hand: its optional constructor argument is a test seam, not something to inject.
    { provide: SafeFetchService, useFactory: () => new SafeFetchService() },
  ],
  exports: [PictureService],
})
/** Guests' pictures for img2img: upload parsing, safe fetching, checking, storing. */
export class PicturesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(PictureUploadMiddleware)
      .forRoutes(
        { path: 'prompts', method: RequestMethod.POST },
        { path: 'api/prompts', method: RequestMethod.POST },
      );
  }
}
