import {
  Body,
  Controller,
  Get,
  HttpCode,
  ParseIntPipe,
  Post,
  Query,
  Render,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/auth.decorators.js';
import { prefersHtml } from '../common/respond.js';
import { RevealDto } from './dto/reveal.dto.js';
import { ExportService } from './export.service.js';
import { RevealService } from './reveal.service.js';
import { SHOW_FIRST_SLIDES, ShowService, type SlidesPage } from './show.service.js';

@Controller('admin')
export class GalleryAdminController {
  constructor(
    private readonly show: ShowService,
    private readonly reveal: RevealService,
    private readonly exports: ExportService,
  ) {}

  /** Full screen, so without the site's header: the view is a whole document of its own. */
  @Roles('admin')
  @Get('show')
  @Render('admin/show')
  async showPage(): Promise<SlidesPage & { title: string; layout: false }> {
    return { title: 'Show', layout: false, ...(await this.show.slidesAfter(0, SHOW_FIRST_SLIDES)) };
  }

  /** Polled by the show for new renders (live mode). */
  @Roles('admin')
  @Get('show/slides')
  slides(
    @Query('after', new ParseIntPipe({ optional: true })) after: number | undefined,
  ): Promise<SlidesPage> {
    return this.show.slidesAfter(after ?? 0);
  }

  @Roles('admin')
  @Post('reveal')
  @HttpCode(200)
  async setReveal(
    @Body() input: RevealDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ revealed: boolean } | void> {
    const result = await this.reveal.setRevealed(input.revealed);
    if (!prefersHtml(req)) return result;
    res.redirect(303, '/admin');
  }

  @Roles('admin')
  @Get('export')
  export(@Res({ passthrough: true }) res: Response): StreamableFile {
    res.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(this.exports.zip(), {
      type: 'application/zip',
      disposition: `attachment; filename="${this.exports.fileName()}"`,
    });
  }
}
