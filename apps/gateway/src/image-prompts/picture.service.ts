import { BadRequestException, Injectable } from '@nestjs/common';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { GatewayConfig } from '../config/gateway.config.js';
import { MAX_PICTURE_PIXELS } from './image-limits.js';

// libvips' operation cache would keep decoded guest pictures in memory for no gain: each is used once.
sharp.cache(false);

export const NOT_AN_IMAGE = 'That file is not an image we can read';
export const TOO_MANY_PIXELS = `That picture has too many pixels (at most ${MAX_PICTURE_PIXELS / 1_000_000} megapixels).`;

/**
 * A guest's picture for img2img: judged by its content (sharp must decode it, whatever its name or
 * declared type), resized to the prompt's size, and kept as PNG under UPLOAD_DIR, which nothing serves.
 */
@Injectable()
export class PictureService {
  constructor(private readonly config: GatewayConfig) {}

  /** Decodes, checks and resizes (cover) to width×height; the PNG bytes to store. Bad input → 400. */
  async prepare(input: Buffer, width: number, height: number): Promise<Buffer> {
    let pixels: number;
    try {
      const metadata = await sharp(input, { limitInputPixels: false }).metadata();
      pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
    } catch {
      throw new BadRequestException(NOT_AN_IMAGE);
    }
    if (pixels === 0) throw new BadRequestException(NOT_AN_IMAGE);
    if (pixels > MAX_PICTURE_PIXELS) throw new BadRequestException(TOO_MANY_PIXELS);
    try {
      // limitInputPixels again in case the header lied about the size; autoOrient honours EXIF rotation.
      return await sharp(input, { limitInputPixels: MAX_PICTURE_PIXELS, failOn: 'error' })
        .autoOrient()
        .resize(width, height, { fit: 'cover' })
        .png()
        .toBuffer();
    } catch {
      throw new BadRequestException(NOT_AN_IMAGE);
    }
  }

  /** Writes `<id>.png` atomically; returns the file name to record on the prompt. */
  async store(id: number, png: Buffer): Promise<string> {
    const name = `${id}.png`;
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
