import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { INVITE_ONLY_MESSAGE, maySubmit } from '../accounts/access-mode.js';
import { Clock } from '../common/clock.js';
import { PictureService } from '../pictures/picture.service.js';
import { ScreeningService } from '../screening/screening.service.js';
import type { UploadedPictureFile } from '../pictures/uploaded-picture.decorator.js';
import { SettingsService } from '../settings/settings.service.js';
import type { UserEntity } from '../users/user.entity.js';
import type { CreateSuggestionDto } from './dto/create-suggestion.dto.js';
import { SuggestionLifecycle } from './suggestion-lifecycle.service.js';
import { SuggestionQueries, type OwnSuggestionRow } from './suggestion-queries.repository.js';
import type { SuggestionView } from './suggestion.view.js';

/** How many of their own suggestions a guest sees on their page. */
export const OWN_SUGGESTIONS_SHOWN = 50;

/** The rules for sending a suggestion (who may, what sizes, a picture); the lifecycle records it. */
@Injectable()
export class SuggestionsService {
  constructor(
    private readonly lifecycle: SuggestionLifecycle,
    private readonly queries: SuggestionQueries,
    private readonly settings: SettingsService,
    private readonly pictures: PictureService,
    private readonly screening: ScreeningService,
    private readonly clock: Clock,
  ) {}

  /** `picture` is an uploaded file (a temporary file); `input.imageUrl` is the other way to attach one. */
  async submit(
    user: UserEntity,
    input: CreateSuggestionDto,
    picture?: UploadedPictureFile,
  ): Promise<SuggestionView> {
    const settings = await this.settings.get();
    if (user.banned) throw new ForbiddenException('The host has stopped you from sending prompts.');
    if (!maySubmit(settings.accessMode, user)) throw new ForbiddenException(INVITE_ONLY_MESSAGE);
    if (!settings.submissionsOpen) throw new ForbiddenException('Submissions are closed right now.');
    if (!settings.allowedSizes.includes(input.width) || !settings.allowedSizes.includes(input.height)) {
      throw new BadRequestException(
        `Width and height must each be one of ${settings.allowedSizes.join(', ')}.`,
      );
    }
    // Checked, resized and stored before the suggestion exists, so it is created with its picture in one
    // statement, and a bad picture changes nothing.
    const png = await this.pictures.prepare(
      { upload: picture, url: input.imageUrl },
      input.width,
      input.height,
    );
    const pictureFile = png ? await this.pictures.store(png) : null;
    // The host's word lists and Auto-approve, read before anyone sees it.
    const screening = await this.screening.screen(input.prompt, user, pictureFile !== null);
    const suggestion = {
      userId: user.id,
      prompt: input.prompt,
      width: input.width,
      height: input.height,
      pictureFile,
      flaggedWords: screening.holdWords,
    };
    const at = this.clock.now();
    const submitted = screening.denyWords.length
      ? await this.lifecycle.submitDenied(suggestion, screening.denyWords, settings.maxPendingPerGuest, at)
      : await this.lifecycle.submit(suggestion, settings.maxPendingPerGuest, at);
    if (!submitted.ok) {
      if (pictureFile) await this.pictures.remove(pictureFile);
      throw new HttpException(
        `You already have ${settings.maxPendingPerGuest} prompts waiting for the host. Wait for a decision first.`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    let status: SuggestionView['status'] = screening.denyWords.length ? 'denied' : 'pending';
    if (status === 'pending' && screening.autoRule) {
      const approved = await this.lifecycle.autoApprove(
        screening.autoRule,
        { id: submitted.suggestionId },
        at,
      );
      if (approved.length > 0) status = 'approved';
      else {
        // The Auto-approve sweep may have approved it first, by the same rule, between the insert and here.
        const current = await this.queries.findById(submitted.suggestionId);
        if (current && current.status !== 'pending') status = current.status;
      }
    }
    return {
      id: submitted.suggestionId,
      prompt: input.prompt,
      width: input.width,
      height: input.height,
      status,
      submittedAt: submitted.submittedAt.toISOString(),
    };
  }

  listOwn(userId: number): Promise<OwnSuggestionRow[]> {
    return this.queries.listOwn(userId, OWN_SUGGESTIONS_SHOWN);
  }
}
