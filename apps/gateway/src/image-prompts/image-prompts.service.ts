import { BadRequestException, Injectable } from '@nestjs/common';
import { PictureService } from './picture.service.js';
import { SafeFetchService } from './safe-fetch.service.js';

export interface PictureSource {
  /** Bytes of an uploaded file. */
  upload?: Buffer;
  /** A URL to fetch the picture from. */
  url?: string;
}

/** Turns whatever the guest attached (a file or a URL) into the PNG to store, or null for txt2img. */
@Injectable()
export class ImagePromptsService {
  constructor(
    private readonly pictures: PictureService,
    private readonly fetcher: SafeFetchService,
  ) {}

  async prepare(source: PictureSource, width: number, height: number): Promise<Buffer | null> {
    const hasUpload = source.upload !== undefined && source.upload.length > 0;
    if (hasUpload && source.url) {
      throw new BadRequestException('Attach a picture or give its URL, not both.');
    }
    if (hasUpload) return this.pictures.prepare(source.upload!, width, height);
    if (source.url) return this.pictures.prepare(await this.fetcher.fetch(source.url), width, height);
    return null;
  }

  store(id: number, png: Buffer): Promise<string> {
    return this.pictures.store(id, png);
  }

  readBase64(name: string): Promise<string | null> {
    return this.pictures.readBase64(name);
  }
}
