import {
  Body,
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
import { DeckService, type DeckCard } from './deck.service.js';
import { BulkDecisionDto } from './dto/bulk-decision.dto.js';
import { DeckQueryDto, DECK_ID } from './dto/deck-query.dto.js';
import { EditPromptDto } from './dto/edit-prompt.dto.js';
import { GuestLinkService } from './guest-link.service.js';
import { RendererPanelService } from './renderer-panel.service.js';
import {
  ModerationService,
  type BulkResult,
  type Decision,
  type PromptPage,
  type ReviewResult,
} from './moderation.service.js';

enum AdminFragment {
  Queue = 'queue',
  Counts = 'counts',
  Renderer = 'renderer',
}

enum DecisionAction {
  Approve = 'approve',
  Deny = 'deny',
}

enum ReviewAction {
  Pass = 'pass',
  Hide = 'hide',
}

/** Back to where the action was taken: the deck, the renderer panel, or the moderation page it was on. */
const backTo = (_result: unknown, req: AppRequest) => {
  const { back, deck, page } = req.query;
  if (back === 'deck')
    return typeof deck === 'string' && DECK_ID.test(deck) ? `/admin/deck?deck=${deck}` : '/admin/deck';
  if (back === 'renderer') return '/admin#renderer';
  return typeof page === 'string' ? `/admin?page=${encodeURIComponent(page)}` : '/admin';
};

@Controller('admin')
@Roles('admin', 'moderator')
export class AdminController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly deck: DeckService,
    private readonly claims: ClaimService,
    private readonly panel: RendererPanelService,
    private readonly guestLink: GuestLinkService,
  ) {}

  @Get()
  @Answer({ page: 'admin/moderation', title: 'Moderation' })
  index(
    @Query('page', ParsePagePipe) page: number,
    @CurrentUser() moderator: UserEntity,
    @Req() req: AppRequest,
  ): Promise<object> {
    return this.moderation.hostPage(
      page,
      moderator,
      this.guestLink.guestUrl(req),
      this.guestLink.unreachableWarning(),
    );
  }

  /**
   * Parts of the admin page, re-fetched by public/admin.js when a live event says they changed: the same
   * templates as the full page, so there is one way to draw them (and Handlebars escapes them).
   */
  @Get('fragments/:part')
  async fragment(
    @Param('part', new ParseEnumPipe(AdminFragment)) part: AdminFragment,
    @Query('page', ParsePagePipe) page: number,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Page> {
    const model =
      part === AdminFragment.Renderer
        ? { panel: await this.panel.current() }
        : await this.moderation.page(page, moderator);
    return new Page(`fragments/admin-${part}`, { ...model, layout: false });
  }

  /** The deck: one prompt at a time, with keys; `deck` and `skip` keep a deck going without script. */
  @Get('deck')
  @Answer({ page: 'admin/deck', title: 'Deck' })
  async deckPage(
    @Query() query: DeckQueryDto,
    @CurrentUser() moderator: UserEntity,
  ): Promise<{ card: DeckCard }> {
    const deckId = query.deck ?? this.deck.newDeckId();
    return {
      card: await this.deck.card(deckId, moderator, { current: query.current, skip: query.skip === '1' }),
    };
  }

  /** The deck's next (or same) card: HTML for the deck page's script, JSON for anyone else. */
  @Get('deck/card')
  @Answer({ page: 'fragments/deck-card' })
  async deckCard(
    @Query() query: DeckQueryDto,
    @CurrentUser() moderator: UserEntity,
  ): Promise<{ card: DeckCard; layout: false }> {
    const deckId = query.deck ?? this.deck.newDeckId();
    const card = await this.deck.card(deckId, moderator, {
      current: query.current,
      skip: query.skip === '1',
    });
    return { card, layout: false };
  }

  /** A prompt on its own: picture at full size, the author's history, Edit then Save and approve. */
  @Get('prompts/:id')
  @Answer({ page: 'admin/prompt', title: (page: PromptPage) => `Prompt #${page.prompt.id}` })
  prompt(@Param('id', ParseIntPipe) id: number, @CurrentUser() moderator: UserEntity): Promise<PromptPage> {
    return this.moderation.promptPage(id, moderator);
  }

  /** Approve selected / Deny selected. */
  @Post('prompts/bulk')
  @HttpCode(200)
  @Answer({ redirect: backTo, notice: (result: BulkResult) => result.message })
  bulk(@Body() input: BulkDecisionDto, @CurrentUser() moderator: UserEntity): Promise<BulkResult> {
    return this.moderation.bulk(input.ids, input.action, moderator);
  }

  /** Edit then Save and approve (declared before `:action`, which would otherwise take `edit`). */
  @Post('prompts/:id/edit')
  @HttpCode(200)
  @Answer({ redirect: backTo, notice: 'Saved and approved.', form: 'edit-prompt' })
  edit(
    @Param('id', ParseIntPipe) id: number,
    @Body() input: EditPromptDto,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Decision & { prompt: string }> {
    return this.moderation.editAndApprove(id, input.prompt, moderator);
  }

  /** `approve` or `deny`; the one decide path, shared with the API. */
  @Post('prompts/:id/:action')
  @HttpCode(200)
  @Answer({ redirect: backTo })
  decide(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(DecisionAction)) action: DecisionAction,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Decision> {
    return this.moderation.decide(id, action === DecisionAction.Approve ? 'approved' : 'denied', moderator);
  }

  /** Review renders: Pass or Hide a render (Hide works on any render, any time). */
  @Post('renders/:id/:action')
  @HttpCode(200)
  @Answer({ redirect: backTo })
  review(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(ReviewAction)) action: ReviewAction,
    @CurrentUser() moderator: UserEntity,
  ): Promise<ReviewResult> {
    return this.moderation.review(id, action, moderator);
  }

  /** The guest link as a QR code (an image, so nothing is inlined into the page). */
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
