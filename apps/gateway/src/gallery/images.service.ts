import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { StaffDevices } from '../auth/staff-devices.service.js';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { IdentityService } from '../identity/identity.service.js';
import { SettingsService } from '../settings/settings.service.js';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import {
  downloadName,
  hasServableImage,
  imageContentType,
  isPictureFileName,
  isPublicRender,
  resolveImagePath,
} from './image-files.js';

export interface OpenedImage {
  stream: Readable;
  size: number;
  contentType: string;
  downloadName: string;
}

/**
 * Who may see a rendered image: staff (the host and moderators) on an enrolled device always (they
 * review renders), its author once the host has revealed and the image is public (not waiting for review,
 * not hidden), nobody else. A guest's picture (img2img) is for staff only, whatever its status. Everyone
 * refused gets the same 404 as for an id that does not exist.
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
    return this.openFile(
      id,
      path,
      imageContentType(suggestion.imageFile),
      downloadName(id, suggestion.imageFile),
    );
  }

  /** The guest's picture for a prompt (img2img), so a person sees it before any GPU time is spent on it. */
  async openPicture(id: number, req: AppRequest): Promise<OpenedImage> {
    const suggestion = Number.isSafeInteger(id) && id > 0 ? await this.suggestions.findById(id) : null;
    if (
      !suggestion?.pictureFile ||
      !isPictureFileName(suggestion.pictureFile) ||
      !(await this.isStaff(req))
    ) {
      throw notFound();
    }
    const path = join(this.config.uploadDir, suggestion.pictureFile);
    return this.openFile(id, path, 'image/png', `vernissage-${id}-picture.png`);
  }

  private async openFile(id: number, path: string, contentType: string, name: string): Promise<OpenedImage> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      this.logger.warn(`Prompt #${id}: its file cannot be read (${(error as Error).message}).`);
      throw notFound();
    }
    try {
      const { size } = await handle.stat();
      return {
        stream: handle.createReadStream({ autoClose: true }),
        size,
        contentType,
        downloadName: name,
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async mayView(suggestion: SuggestionEntity, req: AppRequest): Promise<boolean> {
    const viewer = await this.identity.currentUser(req);
    if (!viewer) return false;
    if (
      viewer.id === suggestion.userId &&
      isPublicRender(suggestion) &&
      (await this.settings.get()).revealed
    ) {
      return true;
    }
    return this.isStaff(req);
  }

  /** The same test as the staff guard: the role, a device enrolled for it, the session's own address. */
  private async isStaff(req: AppRequest): Promise<boolean> {
    const viewer = await this.identity.currentUser(req);
    if (!viewer || (viewer.role !== 'admin' && viewer.role !== 'moderator')) return false;
    return (await this.staff.refusal(req, viewer.id)) === null;
  }
}

function notFound(): NotFoundException {
  return new NotFoundException('There is no such image.');
}
