import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { INVITE_ONLY_MESSAGE, maySubmit } from '../accounts/access-mode.js';
import { ImagePromptsService } from '../image-prompts/image-prompts.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { UserEntity } from '../users/user.entity.js';
import type { CreateSuggestionDto } from './dto/create-suggestion.dto.js';
import type { SuggestionEntity } from './suggestion.entity.js';
import { SuggestionsRepository } from './suggestions.repository.js';

/** How many of their own prompts a guest sees on their page. */
export const OWN_PROMPTS_SHOWN = 50;

@Injectable()
export class SuggestionsService {
  constructor(
    private readonly repository: SuggestionsRepository,
    private readonly settings: SettingsService,
    private readonly live: LiveEventsService,
    private readonly imagePrompts: ImagePromptsService,
  ) {}

  /** `picture` is an uploaded file's bytes; `input.imageUrl` is the other way to attach one. */
  async submit(user: UserEntity, input: CreateSuggestionDto, picture?: Buffer): Promise<SuggestionEntity> {
    const settings = await this.settings.get();
    if (user.banned) throw new ForbiddenException('The host has stopped you from sending prompts.');
    if (!maySubmit(settings.accessMode, user)) throw new ForbiddenException(INVITE_ONLY_MESSAGE);
    if (!settings.submissionsOpen) throw new ForbiddenException('Submissions are closed right now.');
    if (!settings.allowedSizes.includes(input.width) || !settings.allowedSizes.includes(input.height)) {
      throw new BadRequestException(
        `Width and height must each be one of ${settings.allowedSizes.join(', ')}.`,
      );
    }
    // Checked and resized before anything is written, so a bad picture changes nothing.
    const png = await this.imagePrompts.prepare(
      { upload: picture, url: input.imageUrl },
      input.width,
      input.height,
    );
    const created = await this.repository.createWithinPendingLimit(
      { userId: user.id, prompt: input.prompt, width: input.width, height: input.height },
      settings.maxPendingPerGuest,
    );
    if (!created) {
      throw new HttpException(
        `You already have ${settings.maxPendingPerGuest} prompts waiting for the host. Wait for a decision first.`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (png) {
      // The prompt is pending until approved, so nothing dispatches it before the file is recorded.
      created.initImageFile = await this.imagePrompts.store(created.id, png);
      await this.repository.setInitImageFile(created.id, created.initImageFile);
    }
    this.live.emit({
      type: 'suggestion.created',
      userId: user.id,
      suggestion: {
        id: created.id,
        prompt: created.prompt,
        width: created.width,
        height: created.height,
        status: created.status,
        submittedAt: created.submittedAt.toISOString(),
        author: { id: user.id, colourName: user.colourName, colourHex: user.colourHex },
      },
    });
    return created;
  }

  listOwn(userId: number): Promise<SuggestionEntity[]> {
    return this.repository.listByUser(userId, OWN_PROMPTS_SHOWN);
  }
}
