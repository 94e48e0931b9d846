import { Injectable } from '@nestjs/common';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService } from '../settings/settings.service.js';

/** The host's switch after the show: from then on each guest sees their own images on their page. */
@Injectable()
export class RevealService {
  constructor(
    private readonly settings: SettingsService,
    private readonly live: LiveEventsService,
  ) {}

  async isRevealed(): Promise<boolean> {
    return (await this.settings.get()).revealed;
  }

  async setRevealed(revealed: boolean): Promise<{ revealed: boolean }> {
    const settings = await this.settings.update({ revealed });
    // Every open guest page hears it and shows (or hides) its images.
    this.live.emit({ type: 'settings.updated' });
    return { revealed: settings.revealed };
  }
}
