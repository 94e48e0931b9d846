import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { RendererModule } from '../renderer/renderer.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';
import { RendererPanelController } from './renderer-panel.controller.js';
import { RendererControls } from './renderer-controls.service.js';
import { RendererPanelService } from './renderer-panel.service.js';
import { ClaimTokenEntity } from './claim-token.entity.js';
import { ClaimTokensRepository } from './claim-tokens.repository.js';
import { ClaimService } from './claim.service.js';
import { GuestLinkService } from './guest-link.service.js';
import { DeckClaims } from './deck-claims.service.js';
import { DeckService } from './deck.service.js';
import { ModerationService } from './moderation.service.js';
import { SeenPrompts } from './seen-prompts.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([ClaimTokenEntity]),
    AuthModule,
    IdentityModule,
    RendererModule,
    SettingsModule,
    SuggestionsModule,
    UsersModule,
  ],
  controllers: [AdminController, RendererPanelController],
  providers: [
    ClaimTokensRepository,
    ClaimService,
    ModerationService,
    RendererPanelService,
    RendererControls,
    GuestLinkService,
    DeckService,
    DeckClaims,
    SeenPrompts,
  ],
  exports: [ClaimService, ModerationService, RendererPanelService],
})
export class AdminModule {}
