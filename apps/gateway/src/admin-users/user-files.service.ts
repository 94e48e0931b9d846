import { unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';

/** What a deleted prompt may have left in OUTPUT_DIR: its recorded image and the `<id>.json` beside it. */
export interface StoredPromptFiles {
  id: number;
  imageFile: string | null;
}

/** Removes a deleted user's images and metadata from OUTPUT_DIR, and nothing outside it. */
@Injectable()
export class UserFilesService {
  private readonly logger = new Logger('UserFiles');

  constructor(private readonly config: GatewayConfig) {}

  /** Only prompts that recorded an image have files; returns how many files were actually removed. */
  async removeFor(prompts: StoredPromptFiles[]): Promise<number> {
    let removed = 0;
    for (const prompt of prompts) {
      if (!prompt.imageFile) continue;
      for (const name of [prompt.imageFile, `${prompt.id}.json`]) {
        const path = this.insideOutputDir(name);
        if (!path) {
          this.logger.warn(`Prompt #${prompt.id} names a file outside the output directory; left alone.`);
          continue;
        }
        if (await removeIfPresent(path)) removed++;
      }
    }
    return removed;
  }

  /** The absolute path of `name` if it resolves to a file directly inside OUTPUT_DIR, else null. */
  insideOutputDir(name: string): string | null {
    const path = resolve(this.config.outputDir, name);
    const rel = relative(this.config.outputDir, path);
    if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\'))
      return null;
    return path;
  }
}

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    // Already gone (removed by hand, or never written) is what we wanted anyway.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
