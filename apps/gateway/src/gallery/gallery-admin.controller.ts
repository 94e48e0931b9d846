import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  ParseDatePipe,
  ParseIntPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { UserEntity } from '../users/user.entity.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { RevealDto } from './dto/reveal.dto.js';
import { ExportService } from './export.service.js';
import { RevealService } from './reveal.service.js';
import { SHOW_FIRST_SLIDES, ShowService, type ReviewedSlides, type SlidesPage } from './show.service.js';

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
  @Answer({ page: 'admin/show', title: 'Show' })
  async showPage(): Promise<SlidesPage & { layout: false; reviewedUntil: string }> {
    // Read before the slides, so a render passed meanwhile is asked for again rather than missed.
    const reviewedUntil = new Date().toISOString();
    return { layout: false, reviewedUntil, ...(await this.show.slidesAfter(0, SHOW_FIRST_SLIDES)) };
  }

  /**
   * Polled by the show for new renders (live mode); with `reviewedSince`, also the renders passed (to
   * add where they belong) or hidden (to take off the screen) since then.
   */
  @Roles('admin')
  @Get('show/slides')
  async slides(
    @Query('after', new ParseIntPipe({ optional: true })) after: number | undefined,
    @Query('reviewedSince', new ParseDatePipe({ optional: true })) reviewedSince: Date | undefined,
  ): Promise<SlidesPage & { reviewed?: ReviewedSlides }> {
    const page = await this.show.slidesAfter(after ?? 0);
    return reviewedSince ? { ...page, reviewed: await this.show.reviewedSince(reviewedSince) } : page;
  }

  @Roles('admin')
  @Post('reveal')
  @HttpCode(200)
  @Answer({ redirect: '/admin' })
  setReveal(@Body() input: RevealDto, @CurrentUser() admin: UserEntity): Promise<{ revealed: boolean }> {
    return this.reveal.setRevealed(input.revealed, admin);
  }

  @Roles('admin')
  @Get('export')
  @Header('Cache-Control', 'private, no-store')
  export(): StreamableFile {
    return new StreamableFile(this.exports.zip(), {
      type: 'application/zip',
      disposition: `attachment; filename="${this.exports.fileName()}"`,
    });
  }
}
