import { Module } from '@nestjs/common';
import { PictureUploadInterceptor, UploadSlots } from './picture-upload.interceptor.js';
import { PictureService } from './picture.service.js';
import { SafeFetchService } from './safe-fetch.service.js';

/** Guests' pictures for img2img: upload reading, safe fetching, checking, storing. */
@Module({
  providers: [
    PictureService,
    PictureUploadInterceptor,
    UploadSlots,
    // Built by hand: its optional constructor argument is a test seam, not something to inject.
    { provide: SafeFetchService, useFactory: () => new SafeFetchService() },
  ],
  exports: [PictureService, PictureUploadInterceptor, UploadSlots],
})
export class PicturesModule {}
