import { Controller, Get, Header, Param, ParseIntPipe, Query, Req, StreamableFile } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { ImagesService } from './images.service.js';

@Controller('images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  /**
   * Public route on purpose: the service answers 404 to anyone who may not see the image. Access depends
   * on the viewer and on the reveal, which the host can switch off again: never stored by a shared cache,
   * and never reused by the browser without asking.
   */
  @Public()
  @Get(':id')
  @Header('Cache-Control', 'private, no-store')
  async image(
    @Param('id', ParseIntPipe) id: number,
    @Query('download') download: unknown,
    @Req() req: AppRequest,
  ): Promise<StreamableFile> {
    const image = await this.images.open(id, req);
    return new StreamableFile(image.stream, {
      type: image.contentType,
      length: image.size,
      disposition: download === '1' ? `attachment; filename="${image.downloadName}"` : 'inline',
    });
  }
}
