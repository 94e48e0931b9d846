import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { StaffDevices } from '../auth/staff-devices.service.js';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { IdentityService } from '../identity/identity.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { downloadName, hasServableImage, imageContentType, resolveImagePath } from './image-files.js';

export interface OpenedImage {
  stream: Readable;
  size: number;
  contentType: string;
  downloadName: string;
}

/**
 * Who may see a rendered image: the host on an enrolled device always, its author once the host has
 * revealed, nobody else. Everyone refused gets the same 404 as for an id that does not exist.
 */
@Injectable()
export class ImagesService {
  private readonly logger = new Logger('Images');

  constructor(
    private readonly suggestions: SuggestionQueries,
    private readonly settings: SettingsService,
    private readonly identity: IdentityService,
    private readonly staff: StaffDevices,
    private readonly config: GatewayConfig,
  ) {}

  async open(id: number, req: AppRequest): Promise<OpenedImage> {
    const suggestion = Number.isSafeInteger(id) && id > 0 ? await this.suggestions.findById(id) : null;
    if (!suggestion || !hasServableImage(suggestion) || !(await this.mayView(suggestion, req))) {
      throw notFound();
    }
    // Only the name recorded in the database is used, and only if it stays inside OUTPUT_DIR.
    const path = resolveImagePath(this.config.outputDir, suggestion.imageFile);
    if (!path) throw notFound();
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      this.logger.warn(
        `Prompt #${id} is rendered but its image cannot be read (${(error as Error).message}).`,
      );
      throw notFound();
    }
    try {
      const { size } = await handle.stat();
      return {
        stream: handle.createReadStream({ autoClose: true }),
        size,
        contentType: imageContentType(suggestion.imageFile),
        downloadName: downloadName(id, suggestion.imageFile),
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async mayView(suggestion: SuggestionEntity, req: AppRequest): Promise<boolean> {
    const viewer = await this.identity.currentUser(req);
    if (!viewer) return false;
    if (viewer.id === suggestion.userId && (await this.settings.get()).revealed) return true;
    // The same test as the admin guard: the role, a device enrolled for it, the session's own address.
    return viewer.role === 'admin' && (await this.staff.refusal(req, viewer.id)) === null;
  }
}

function notFound(): NotFoundException {
  return new NotFoundException('There is no such image.');
}
