import { ForbiddenException, Injectable, type OnModuleInit } from '@nestjs/common';
import { INVITE_ONLY_MESSAGE, maySubmit } from '../accounts/access-mode.js';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry, type Refusal } from '../common/answer/page-registry.service.js';
import { isPublicRender } from '../gallery/image-files.js';
import { IdentityService } from '../identity/identity.service.js';
import { aboutMinutes, WaitEstimates } from '../renderer/wait-estimates.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { toSuggestionView } from '../suggestions/suggestion.view.js';
import { SuggestionsService } from '../suggestions/suggestions.service.js';
import type { UserEntity } from '../users/user.entity.js';

export interface ColourView {
  id: number;
  colourName: string;
  colourHex: string;
}

const DEFAULT_SIZE = 512;
/** Statuses in which a guest is told how long their prompt is expected to wait. */
const WAITING: readonly SuggestionStatus[] = ['approved', 'queued', 'rendering'];

/** The guest page: "Are you lost?", the invite-only notice, or the guest's colour, form and prompts. */
@Injectable()
export class HomeService implements OnModuleInit {
  constructor(
    private readonly identity: IdentityService,
    private readonly suggestions: SuggestionsService,
    private readonly settings: SettingsService,
    private readonly pages: PageRegistry,
    private readonly waits: WaitEstimates,
  ) {}

  /** A refused prompt comes back on this page, the message beside the form and the text kept. */
  onModuleInit(): void {
    this.pages.register('prompt', (req, { refusal }) => this.page(req, refusal));
  }

  async page(req: AppRequest, refusal?: Refusal): Promise<Page> {
    // Invite-only: a visitor without a session gets no colour (nor the guests' "Are you lost?" choice).
    if ((await this.settings.get()).accessMode === 'invite-only' && !(await this.identity.currentUser(req))) {
      return new Page('invite-only', { title: 'Invite-only', message: INVITE_ONLY_MESSAGE });
    }
    const visitor = await this.identity.resolveVisitor(req);
    if (visitor.kind === 'lost') {
      return new Page('lost', { title: 'Are you lost?', candidates: visitor.candidates.map(toColourView) });
    }
    const { user } = visitor;
    const [settings, prompts] = await Promise.all([this.settings.get(), this.ownPrompts(user)]);
    const welcome = req.session.welcome === true;
    if (welcome) delete req.session.welcome;
    const defaultSize = settings.allowedSizes.includes(DEFAULT_SIZE)
      ? DEFAULT_SIZE
      : settings.allowedSizes[0];
    const draft = refusal?.input ?? {};
    const sizeOptions = (chosen: string | undefined) => {
      const wanted = settings.allowedSizes.includes(Number(chosen)) ? Number(chosen) : defaultSize;
      return settings.allowedSizes.map((value) => ({ value, selected: value === wanted }));
    };
    return new Page(
      'home',
      {
        title: 'Vernissage',
        me: toColourView(user),
        welcome,
        promptError: refusal?.message,
        draft,
        banned: user.banned,
        submissionsOpen: settings.submissionsOpen,
        inviteOnlyGuest: !maySubmit(settings.accessMode, user),
        inviteOnlyMessage: INVITE_ONLY_MESSAGE,
        canSubmit: settings.submissionsOpen && !user.banned && maySubmit(settings.accessMode, user),
        widths: sizeOptions(draft.width),
        heights: sizeOptions(draft.height),
        prompts,
        hasAccount: Boolean(user.username),
        revealed: settings.revealed,
      },
      refusal?.status,
    );
  }

  /**
   * The visitor's own prompts as the page lists them; the page fetches this list again after its live
   * stream (re)connects, so a change made while the stream was down is shown too.
   */
  async ownPrompts(user: UserEntity) {
    const [settings, own] = await Promise.all([this.settings.get(), this.suggestions.listOwn(user.id)]);
    return own.map((suggestion) => ({
      ...toSuggestionView(suggestion),
      edited: suggestion.edited,
      // After the reveal a guest sees their own images, once passed when the host reviews renders;
      // /images/:id checks the same rule again.
      showImage: settings.revealed && isPublicRender(suggestion),
      // "about N minutes" until it is rendered; public/app.js keeps it current.
      wait: WAITING.includes(suggestion.status) ? aboutMinutes(this.waits.minutesFor(suggestion.id)) : null,
    }));
  }

  /** "Start fresh" hands out a new guest colour, which invite-only mode gives to nobody. */
  async startFresh(req: AppRequest): Promise<UserEntity> {
    await this.assertOpen();
    return this.identity.startAs(req, 'guest');
  }

  /** "Continue as" hands a guest colour over to a visitor without a session: nobody gets one in invite-only mode. */
  async continueAs(req: AppRequest, userId: number): Promise<UserEntity> {
    await this.assertOpen();
    return this.identity.continueAs(req, userId);
  }

  private async assertOpen(): Promise<void> {
    if ((await this.settings.get()).accessMode === 'invite-only') {
      throw new ForbiddenException(INVITE_ONLY_MESSAGE);
    }
  }
}

export function toColourView(user: UserEntity): ColourView {
  return { id: user.id, colourName: user.colourName, colourHex: user.colourHex };
}
