import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImagePromptsModule } from '../image-prompts/image-prompts.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionEntity } from './suggestion.entity.js';
import { SuggestionsController } from './suggestions.controller.js';
import { SuggestionsRepository } from './suggestions.repository.js';
import { SuggestionsService } from './suggestions.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SuggestionEntity]), SettingsModule, ImagePromptsModule],
  controllers: [SuggestionsController],
  providers: [SuggestionsRepository, SuggestionsService],
  exports: [SuggestionsRepository, SuggestionsService],
})
export class SuggestionsModule {}
