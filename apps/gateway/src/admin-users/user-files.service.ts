import { unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';

/**
 * What a deleted prompt may have left: its recorded image and the `<id>.json` beside it in OUTPUT_DIR, and
 * the guest's own picture (img2img) in UPLOAD_DIR.
 */
export interface StoredSuggestionFiles {
  id: number;
  imageFile: string | null;
  pictureFile?: string | null;
}

/** Removes a deleted user's files from OUTPUT_DIR and UPLOAD_DIR, and nothing outside them. */
@Injectable()
export class UserFilesService {
  private readonly logger = new Logger('UserFiles');

  constructor(private readonly config: GatewayConfig) {}

  /** Only prompts that recorded an image have files; returns how many files were actually removed. */
  async removeFor(prompts: StoredSuggestionFiles[]): Promise<number> {
    let removed = 0;
    for (const prompt of prompts) {
      const wanted: [dir: string, name: string][] = [];
      if (prompt.imageFile)
        wanted.push([this.config.outputDir, prompt.imageFile], [this.config.outputDir, `${prompt.id}.json`]);
      if (prompt.pictureFile) wanted.push([this.config.uploadDir, prompt.pictureFile]);
      for (const [dir, name] of wanted) {
        const path = insideDir(dir, name);
        if (!path) {
          this.logger.warn(`Prompt #${prompt.id} names a file outside its directory; left alone.`);
          continue;
        }
        if (await removeIfPresent(path)) removed++;
      }
    }
    return removed;
  }

  /** The absolute path of `name` if it resolves to a file directly inside OUTPUT_DIR, else null. */
  insideOutputDir(name: string): string | null {
    return insideDir(this.config.outputDir, name);
  }
}

/** The absolute path of `name` if it resolves to a file directly inside `dir`, else null. */
function insideDir(dir: string, name: string): string | null {
  const path = resolve(dir, name);
  const rel = relative(dir, path);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) return null;
  return path;
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
