import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequestException, Injectable } from '@nestjs/common';
import { PICTURE_LIMITS } from '#contracts';
import sharp from 'sharp';
import { GatewayConfig } from '../config/gateway.config.js';
import { SafeFetchService } from './safe-fetch.service.js';
import type { UploadedPictureFile } from './uploaded-picture.decorator.js';

// libvips' operation cache would keep decoded guest pictures in memory for no gain: each is used once.
sharp.cache(false);

export const NOT_AN_IMAGE = 'That file is not an image we can read';
export const TOO_MANY_PIXELS = `That picture has too many pixels (at most ${PICTURE_LIMITS.maxPixels / 1_000_000} megapixels).`;

/** What a guest attached to a prompt: an uploaded file (on disk), or a URL to fetch the picture from. */
export interface PictureSource {
  upload?: UploadedPictureFile;
  url?: string;
}

/**
 * A guest's picture for img2img: judged by its content (sharp must decode it, whatever its name or
 * declared type), resized to the prompt's size, and kept as PNG under UPLOAD_DIR, which nothing serves.
 */
@Injectable()
export class PictureService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly fetcher: SafeFetchService,
  ) {}

  /** The PNG to store for what the guest attached, or null for a prompt without a picture (txt2img). */
  async prepare(source: PictureSource, width: number, height: number): Promise<Buffer | null> {
    // A form with no file chosen still sends an empty file part.
    const hasUpload = source.upload !== undefined && source.upload.size > 0;
    if (hasUpload && source.url) {
      throw new BadRequestException('Attach a picture or give its URL, not both.');
    }
    if (hasUpload) return this.decodeAndResize(source.upload!.path, width, height);
    if (source.url) return this.decodeAndResize(await this.fetcher.fetch(source.url), width, height);
    return null;
  }

  /**
   * Decodes, checks and resizes (cover) to width×height; the PNG bytes to store. Bad input → 400. The
   * input is the bytes, or the path of an uploaded file (sharp reads it from disk as it decodes).
   */
  async decodeAndResize(input: Buffer | string, width: number, height: number): Promise<Buffer> {
    let pixels: number;
    try {
      const metadata = await sharp(input, { limitInputPixels: false }).metadata();
      pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
    } catch {
      throw new BadRequestException(NOT_AN_IMAGE);
    }
    if (pixels === 0) throw new BadRequestException(NOT_AN_IMAGE);
    if (pixels > PICTURE_LIMITS.maxPixels) throw new BadRequestException(TOO_MANY_PIXELS);
    try {
      // limitInputPixels again in case the header lied about the size; autoOrient honours EXIF rotation.
      return await sharp(input, { limitInputPixels: PICTURE_LIMITS.maxPixels, failOn: 'error' })
        .autoOrient()
        .resize(width, height, { fit: 'cover' })
        .png()
        .toBuffer();
    } catch {
      throw new BadRequestException(NOT_AN_IMAGE);
    }
  }

  /**
   * Writes the picture atomically under a fresh random name, before its suggestion exists, so the
   * suggestion is created with its picture in one statement; returns the name to record.
   */
  async store(png: Buffer): Promise<string> {
    const name = `${randomUUID()}.png`;
    await mkdir(this.config.uploadDir, { recursive: true });
    const target = join(this.config.uploadDir, name);
    await writeFile(`${target}.tmp`, png);
    await rename(`${target}.tmp`, target);
    return name;
  }

  /** The stored picture as base64 for the renderer, or null when the file has gone. */
  async readBase64(name: string): Promise<string | null> {
    try {
      return (await readFile(join(this.config.uploadDir, name))).toString('base64');
    } catch {
      return null;
    }
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.config.uploadDir, name), { force: true });
  }
}
