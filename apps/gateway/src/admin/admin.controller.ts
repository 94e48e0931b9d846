import {
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseEnumPipe,
  ParseIntPipe,
  Post,
  Query,
  Redirect,
  Req,
} from '@nestjs/common';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { ParsePagePipe } from '../common/paging.js';
import { Answer, Page } from '../common/answer/answer.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { ClaimService } from './claim.service.js';
import { GuestLinkService } from './guest-link.service.js';
import { RendererPanelService } from './renderer-panel.service.js';
import { ModerationService, type Decision } from './moderation.service.js';

enum AdminFragment {
  Queue = 'queue',
  Counts = 'counts',
  Renderer = 'renderer',
}

enum DecisionAction {
  Approve = 'approve',
  Deny = 'deny',
}

/** Back to the moderation page the decision was made on. */
const backToQueue = (_result: unknown, req: AppRequest) =>
  typeof req.query.page === 'string' ? `/admin?page=${encodeURIComponent(req.query.page)}` : '/admin';

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
  @Answer({ page: 'admin/moderation', title: 'Moderation' })
  index(@Query('page', ParsePagePipe) page: number, @Req() req: AppRequest): Promise<object> {
    return this.moderation.hostPage(page, this.guestLink.guestUrl(req), this.guestLink.unreachableWarning());
  }

  /**
   * Parts of the admin page, re-fetched by public/admin.js when a live event says they changed: the same
   * templates as the full page, so there is one way to draw them (and Handlebars escapes them).
   */
  @Roles('admin', 'moderator')
  @Get('fragments/:part')
  async fragment(
    @Param('part', new ParseEnumPipe(AdminFragment)) part: AdminFragment,
    @Query('page', ParsePagePipe) page: number,
  ): Promise<Page> {
    const model =
      part === AdminFragment.Renderer
        ? { panel: await this.panel.current() }
        : await this.moderation.page(page);
    return new Page(`fragments/admin-${part}`, { ...model, layout: false });
  }

  /** `approve` or `deny`; the one decide path, shared with the API. */
  @Roles('admin', 'moderator')
  @Post('prompts/:id/:action')
  @HttpCode(200)
  @Answer({ redirect: backToQueue })
  decide(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(DecisionAction)) action: DecisionAction,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Decision> {
    return this.moderation.decide(id, action === DecisionAction.Approve ? 'approved' : 'denied', moderator);
  }

  /** The guest link as a QR code (an image, so nothing is inlined into the page). */
  @Roles('admin', 'moderator')
  @Get('qr.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'private, max-age=60')
  qr(@Req() req: AppRequest): Promise<string> {
    return this.guestLink.qrSvg(this.guestLink.guestUrl(req));
  }

  /** A plain GET, so the link works when opened from a terminal or a QR code. */
  @Public()
  @Get('claim/:token')
  @Redirect('/admin', 303)
  async claim(@Param('token') token: string, @Req() req: AppRequest): Promise<void> {
    await this.claims.claim(req, token);
  }
}
