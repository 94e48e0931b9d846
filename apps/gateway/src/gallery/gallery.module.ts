import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { ExportService } from './export.service.js';
import { GalleryAdminController } from './gallery-admin.controller.js';
import { ImagesController } from './images.controller.js';
import { ImagesService } from './images.service.js';
import { RevealService } from './reveal.service.js';
import { ShowService } from './show.service.js';

/** After the party's renders: the show, the reveal, image serving and the export. */
@Module({
  imports: [AuthModule, IdentityModule, SettingsModule, SuggestionsModule],
  controllers: [ImagesController, GalleryAdminController],
  providers: [ImagesService, ShowService, RevealService, ExportService],
  exports: [RevealService],
})
export class GalleryModule {}
