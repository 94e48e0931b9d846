import { Controller, Get, Param, ParseIntPipe, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { ImagesService } from './images.service.js';

@Controller('images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  /** Public route on purpose: the service answers 404 to anyone who may not see the image. */
  @Public()
  @Get(':id')
  async image(
    @Param('id', ParseIntPipe) id: number,
    @Query('download') download: unknown,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const image = await this.images.open(id, req);
    // Access depends on the viewer and on the reveal, which the host can switch off again: never stored by a
    // shared cache, and never reused by the browser without asking.
    res.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(image.stream, {
      type: image.contentType,
      length: image.size,
      disposition: download === '1' ? `attachment; filename="${image.downloadName}"` : 'inline',
    });
  }
}
