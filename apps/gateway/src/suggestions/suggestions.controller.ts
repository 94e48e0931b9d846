import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { CurrentUser } from '../auth/auth.decorators.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { PictureUploadInterceptor } from '../pictures/picture-upload.interceptor.js';
import { UploadedPicture, type UploadedPictureFile } from '../pictures/uploaded-picture.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { CreateSuggestionDto } from './dto/create-suggestion.dto.js';
import { SubmissionThrottleGuard } from './submission-throttle.guard.js';
import type { SuggestionView } from './suggestion.view.js';
import { SuggestionsService } from './suggestions.service.js';

/** The guest form's POST ("prompt" in public routes); a refusal comes back on the form, the text kept. */
@Controller('prompts')
export class SuggestionsController {
  constructor(private readonly suggestions: SuggestionsService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(SubmissionThrottleGuard)
  @UseInterceptors(PictureUploadInterceptor)
  @Answer({
    redirect: '/#your-prompts',
    notice: 'Sent! Your prompt is waiting for the host.',
    form: 'prompt',
  })
  create(
    @CurrentUser() user: UserEntity,
    @Body() input: CreateSuggestionDto,
    @UploadedPicture() picture: UploadedPictureFile | undefined,
  ): Promise<SuggestionView> {
    return this.suggestions.submit(user, input, picture);
  }
}
