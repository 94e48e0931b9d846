import {
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  Param,
  ParseEnumPipe,
  ParseIntPipe,
  Post,
  Query,
  Render,
  Req,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { ClaimService } from './claim.service.js';
import { GuestLinkService } from './guest-link.service.js';
import { RendererPanelService, type RendererPanel } from './renderer-panel.service.js';
import { ModerationService, type Decision, type ModerationPage } from './moderation.service.js';

enum AdminFragment {
  Queue = 'queue',
  Counts = 'counts',
  Renderer = 'renderer',
}

enum DecisionAction {
  Approve = 'approve',
  Deny = 'deny',
}

@Controller('admin')
export class AdminController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly claims: ClaimService,
    private readonly panel: RendererPanelService,
    private readonly guestLink: GuestLinkService,
  ) {}

  @Roles('admin', 'moderator')
  @Get()
  @Render('admin/moderation')
  async index(
    @Query('page', new DefaultValuePipe(1), ParseIntPipe) page: number,
    @Req() req: AppRequest,
  ): Promise<
    ModerationPage & {
      title: string;
      panel: RendererPanel;
      isStaff: boolean;
      isModerator: boolean;
      guestUrl: string;
      guestLinkWarning: string | null;
      flash?: string;
    }
  > {
    const [moderation, panel] = await Promise.all([this.moderation.page(page), this.panel.snapshot()]);
    return {
      title: 'Moderation',
      isStaff: true,
      // Moderators decide prompts; the show, reveal, export, users and settings stay the admin's.
      isModerator: req.user?.role === 'moderator',
      ...moderation,
      panel,
      guestUrl: this.guestLink.guestUrl(req),
      guestLinkWarning: this.guestLink.unreachableWarning(),
      flash: takeFlash(req),
    };
  }

  /**
   * Parts of the admin page, re-fetched by public/admin.js when a live event says they changed: the same
   * templates as the full page, so there is one way to draw them (and Handlebars escapes them).
   */
  @Roles('admin', 'moderator')
  @Get('fragments/:part')
  async fragment(
    @Param('part', new ParseEnumPipe(AdminFragment)) part: AdminFragment,
    @Query('page', new DefaultValuePipe(1), ParseIntPipe) page: number,
    @Res() res: Response,
  ): Promise<void> {
    const model =
      part === AdminFragment.Renderer
        ? { panel: await this.panel.snapshot() }
        : await this.moderation.page(page);
    res.render(`fragments/admin-${part}`, { ...model, layout: false });
  }

  /** `approve` or `deny`; a browser is sent back to the page it came from, a JSON client gets the result. */
  @Roles('admin', 'moderator')
  @Post('prompts/:id/:action')
  @HttpCode(200)
  async decide(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(DecisionAction)) action: DecisionAction,
    @CurrentUser() admin: UserEntity,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Decision | void> {
    const result = await this.moderation.decide(
      id,
      action === DecisionAction.Approve ? 'approved' : 'denied',
      admin,
    );
    if (!prefersHtml(req)) return result;
    const page = typeof req.query.page === 'string' ? `?page=${encodeURIComponent(req.query.page)}` : '';
    res.redirect(303, `/admin${page}`);
  }

  /** The guest link as a QR code (an image, so nothing is inlined into the page). */
  @Roles('admin', 'moderator')
  @Get('qr.svg')
  async qr(@Req() req: AppRequest, @Res() res: Response): Promise<void> {
    const svg = await this.guestLink.qrSvg(this.guestLink.guestUrl(req));
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(svg);
  }

  /** A plain GET, so the link works when opened from a terminal or a QR code. */
  @Public()
  @Get('claim/:token')
  async claim(@Param('token') token: string, @Req() req: AppRequest, @Res() res: Response): Promise<void> {
    await this.claims.claim(req, token);
    res.redirect(303, '/admin');
  }
}
