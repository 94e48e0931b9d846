import { Injectable } from '@nestjs/common';
import { AuditLog } from '../audit/audit.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { UserEntity } from '../users/user.entity.js';

/** The host's switch after the show: from then on each guest sees their own images on their page. */
@Injectable()
export class RevealService {
  constructor(
    private readonly settings: SettingsService,
    private readonly live: LiveEventsService,
    private readonly audit: AuditLog,
  ) {}

  async isRevealed(): Promise<boolean> {
    return (await this.settings.get()).revealed;
  }

  async setRevealed(revealed: boolean, admin: UserEntity): Promise<{ revealed: boolean }> {
    const before = (await this.settings.get()).revealed;
    const settings = await this.settings.update({ revealed });
    if (before !== revealed) {
      await this.audit.record({
        kind: 'reveal',
        action: revealed ? 'reveal' : 'unreveal',
        actorId: admin.id,
        summary: revealed
          ? 'Revealed the images to their authors'
          : 'Hid the images from their authors again',
      });
    }
    // Every open guest page hears it and shows (or hides) its images.
    this.live.emit({ type: 'settings.updated' });
    return { revealed: settings.revealed };
  }
}
