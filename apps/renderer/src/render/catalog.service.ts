import { Inject, Injectable } from '@nestjs/common';
import type { CatalogReply } from '#contracts';
import { RENDER_BACKEND, type RenderBackend } from '../backends/render-backend.js';

/** Asks SD what it offers; never fails the message: an unreachable SD is an empty list with the reason. */
@Injectable()
export class CatalogService {
  constructor(@Inject(RENDER_BACKEND) private readonly backend: RenderBackend) {}

  async list(): Promise<CatalogReply> {
    if (this.backend.name === 'preview') {
      return {
        models: [],
        samplers: [],
        schedulers: [],
        unavailable: 'Stable Diffusion is not connected (preview backend).',
      };
    }
    try {
      return { ...(await this.backend.catalog()), unavailable: null };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        models: [],
        samplers: [],
        schedulers: [],
        unavailable: `Stable Diffusion did not answer: ${reason}`.slice(0, 500),
      };
    }
  }
}
