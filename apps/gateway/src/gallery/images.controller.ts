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

  /** A prompt's picture (img2img), for staff only; everyone else gets the same 404 as for no picture. */
  @Public()
  @Get(':id/picture')
  @Header('Cache-Control', 'private, no-store')
  async picture(@Param('id', ParseIntPipe) id: number, @Req() req: AppRequest): Promise<StreamableFile> {
    const picture = await this.images.openPicture(id, req);
    return new StreamableFile(picture.stream, {
      type: picture.contentType,
      length: picture.size,
      disposition: 'inline',
    });
  }
}
