import { AccountsCoreModule } from '../accounts/accounts-core.module.js';
import { Module } from '@nestjs/common';
import { InvitationsModule } from '../accounts/invitations.module.js';
import { AdminModule } from '../admin/admin.module.js';
import { GalleryModule } from '../gallery/gallery.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { UsersModule } from '../users/users.module.js';
import { PicturesModule } from '../pictures/pictures.module.js';
import { ApiController } from './api.controller.js';
import { ApiService } from './api.service.js';

/** The JSON API under /api, documented at /api/docs (see api-docs.ts). */
@Module({
  imports: [
    AccountsCoreModule,
    InvitationsModule,
    AdminModule,
    GalleryModule,
    PicturesModule,
    SuggestionsModule,
    UsersModule,
  ],
  controllers: [ApiController],
  providers: [ApiService],
})
export class ApiModule {}
