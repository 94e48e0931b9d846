import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { Clock } from '../common/clock.js';
import { PicturesModule } from '../pictures/pictures.module.js';
import { ScreeningModule } from '../screening/screening.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { AutoApproval } from './auto-approval.service.js';
import { RenderOrderRepository } from './render-order.repository.js';
import { RenderOrder } from './render-order.service.js';
import { SuggestionLifecycle } from './suggestion-lifecycle.service.js';
import { SuggestionQueries } from './suggestion-queries.repository.js';
import { SuggestionEntity } from './suggestion.entity.js';
import { SuggestionsController } from './suggestions.controller.js';
import { SuggestionsRepository } from './suggestions.repository.js';
import { SuggestionsService } from './suggestions.service.js';

/**
 * Suggestions (what guests send; "prompts" on pages and public routes): sending them, reading them, and
 * their lifecycle, the only code that changes their status, and the order of rendering (who goes next,
 * which worker has what). The repository of lifecycle statements is not exported: nothing else changes a
 * status.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SuggestionEntity]),
    SettingsModule,
    PicturesModule,
    ScreeningModule,
    AuditModule,
  ],
  controllers: [SuggestionsController],
  providers: [
    SuggestionsRepository,
    SuggestionLifecycle,
    SuggestionQueries,
    SuggestionsService,
    AutoApproval,
    Clock,
    RenderOrderRepository,
    RenderOrder,
  ],
  exports: [
    Clock,
    SuggestionLifecycle,
    SuggestionQueries,
    SuggestionsService,
    AutoApproval,
    ScreeningModule,
    AuditModule,
    RenderOrderRepository,
    RenderOrder,
  ],
})
export class SuggestionsModule {}
