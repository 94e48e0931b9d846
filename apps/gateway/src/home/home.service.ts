import { ForbiddenException, Injectable } from '@nestjs/common';
import { INVITE_ONLY_MESSAGE, maySubmit } from '../accounts/access-mode.js';
import type { AppRequest } from '../common/app-request.js';
import { hasServableImage } from '../gallery/image-files.js';
import { IdentityService } from '../identity/identity.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { PROMPT_LIMITS } from '#contracts';
import { toSuggestionView } from '../suggestions/suggestion.view.js';
import { SuggestionsService } from '../suggestions/suggestions.service.js';
import type { UserEntity } from '../users/user.entity.js';

export type HomePage =
  | { view: 'lost'; model: { title: string; candidates: ColourView[] } }
  | { view: 'invite-only'; model: { title: string; message: string } }
  | { view: 'home'; model: Record<string, unknown> };

export interface ColourView {
  id: number;
  colourName: string;
  colourHex: string;
}

const DEFAULT_SIZE = 512;

@Injectable()
export class HomeService {
  constructor(
    private readonly identity: IdentityService,
    private readonly suggestions: SuggestionsService,
    private readonly settings: SettingsService,
  ) {}

  async page(req: AppRequest): Promise<HomePage> {
    // Invite-only: a visitor without a session gets no colour (nor the guests' "Are you lost?" choice).
    if ((await this.settings.get()).accessMode === 'invite-only' && !(await this.identity.currentUser(req))) {
      return { view: 'invite-only', model: { title: 'Invite-only', message: INVITE_ONLY_MESSAGE } };
    }
    const visitor = await this.identity.resolveVisitor(req);
    if (visitor.kind === 'lost') {
      return {
        view: 'lost',
        model: { title: 'Are you lost?', candidates: visitor.candidates.map(toColourView) },
      };
    }
    const { user } = visitor;
    const [settings, own] = await Promise.all([this.settings.get(), this.suggestions.listOwn(user.id)]);
    const welcome = req.session.welcome === true;
    const flash = req.session.flash;
    if (welcome) delete req.session.welcome;
    if (flash) delete req.session.flash;
    const defaultSize = settings.allowedSizes.includes(DEFAULT_SIZE)
      ? DEFAULT_SIZE
      : settings.allowedSizes[0];
    return {
      view: 'home',
      model: {
        title: 'Vernissage',
        me: toColourView(user),
        welcome,
        flash,
        banned: user.banned,
        submissionsOpen: settings.submissionsOpen,
        inviteOnlyGuest: !maySubmit(settings.accessMode, user),
        inviteOnlyMessage: INVITE_ONLY_MESSAGE,
        canSubmit: settings.submissionsOpen && !user.banned && maySubmit(settings.accessMode, user),
        sizes: settings.allowedSizes.map((value) => ({ value, selected: value === defaultSize })),
        promptMax: PROMPT_LIMITS.maxLength,
        prompts: own.map((suggestion) => ({
          ...toSuggestionView(suggestion),
          // After the reveal a guest sees their own images; /images/:id checks the same rule again.
          showImage: settings.revealed && hasServableImage(suggestion),
        })),
        isStaff: user.role === 'admin' || user.role === 'moderator',
        hasAccount: Boolean(user.username),
        revealed: settings.revealed,
      },
    };
  }

  /** "Start fresh" hands out a new guest colour, which invite-only mode gives to nobody. */
  async startFresh(req: AppRequest): Promise<void> {
    if ((await this.settings.get()).accessMode === 'invite-only') {
      throw new ForbiddenException(INVITE_ONLY_MESSAGE);
    }
    await this.identity.startAs(req, 'guest');
  }
}

export function toColourView(user: UserEntity): ColourView {
  return { id: user.id, colourName: user.colourName, colourHex: user.colourHex };
}
