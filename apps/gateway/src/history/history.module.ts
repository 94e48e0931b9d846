import { Module } from '@nestjs/common';
import { GalleryModule } from '../gallery/gallery.module.js';
import { SuggestionsModule } from '../suggestions/suggestions.module.js';
import { HistoryController } from './history.controller.js';
import { HistoryService } from './history.service.js';

@Module({
  imports: [GalleryModule, SuggestionsModule],
  controllers: [HistoryController],
  providers: [HistoryService],
})
export class HistoryModule {}
