import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { RenderResult } from '#contracts';
import { GatewayConfig } from '../config/gateway.config.js';
import type { RenderSubject } from '../suggestions/render-order.repository.js';

type Rendered = Extract<RenderResult, { status: 'rendered' }>;

const EXTENSIONS: Record<Rendered['mime'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

/** Writes `<id>.<ext>` and `<id>.json` into OUTPUT_DIR, each atomically (temp file, then rename). */
@Injectable()
export class RenderOutputService {
  constructor(private readonly config: GatewayConfig) {}

  async store(suggestion: RenderSubject, result: Rendered, renderedAt: Date): Promise<string> {
    await mkdir(this.config.outputDir, { recursive: true });
    const imageFile = `${suggestion.id}.${EXTENSIONS[result.mime]}`;
    await this.writeAtomically(imageFile, Buffer.from(result.image, 'base64'));
    const metadata = {
      id: suggestion.id,
      prompt: suggestion.prompt,
      colour: { name: suggestion.colourName, hex: suggestion.colourHex },
      width: suggestion.width,
      height: suggestion.height,
      seed: result.seed,
      sd: result.info,
      submittedAt: suggestion.submittedAt.toISOString(),
      approvedAt: suggestion.decidedAt?.toISOString() ?? null,
      renderedAt: renderedAt.toISOString(),
      backend: result.backend,
      image: imageFile,
    };
    await this.writeAtomically(
      `${suggestion.id}.json`,
      Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`),
    );
    return imageFile;
  }

  /** Takes back what store() wrote, when the suggestion turned out to be gone. */
  async remove(id: number, imageFile: string): Promise<void> {
    await rm(join(this.config.outputDir, imageFile), { force: true });
    await rm(join(this.config.outputDir, `${id}.json`), { force: true });
  }

  private async writeAtomically(name: string, data: Buffer): Promise<void> {
    const target = join(this.config.outputDir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, target);
  }
}
