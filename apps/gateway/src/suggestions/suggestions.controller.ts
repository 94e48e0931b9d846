import { Body, Controller, HttpCode, Post, Req, Res, UploadedFile, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import type { UserEntity } from '../users/user.entity.js';
import { CreateSuggestionDto } from './dto/create-suggestion.dto.js';
import { SubmissionThrottleGuard } from './submission-throttle.guard.js';
import type { SuggestionView } from './suggestion.view.js';
import { SuggestionsService } from './suggestions.service.js';

@Controller('prompts')
export class SuggestionsController {
  constructor(private readonly suggestions: SuggestionsService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(SubmissionThrottleGuard)
  async create(
    @CurrentUser() user: UserEntity,
    @Body() input: CreateSuggestionDto,
    // Parsed by PictureUploadMiddleware for multipart forms (before the CSRF guard needs the body).
    @UploadedFile() picture: Express.Multer.File | undefined,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SuggestionView | void> {
    const suggestion = await this.suggestions.submit(user, input, picture?.buffer);
    if (!prefersHtml(req)) return suggestion;
    await setFlash(req, 'Sent! Your prompt is waiting for the host.');
    res.redirect(303, '/#your-prompts');
  }
}
