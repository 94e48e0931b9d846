import { Inject, Injectable } from '@nestjs/common';
import type { CatalogReply } from '#contracts';
import { RENDER_BACKENDS, type RenderBackend } from '../backends/render-backend.js';

/**
 * Asks SD what it offers; never fails the message: an unreachable SD is an empty list with the reason.
 * With several SD servers the first that answers speaks for all (the host's settings apply to every one).
 */
@Injectable()
export class CatalogService {
  constructor(@Inject(RENDER_BACKENDS) private readonly backends: RenderBackend[]) {}

  async list(): Promise<CatalogReply> {
    const servers = this.backends.filter((backend) => backend.name !== 'preview');
    if (servers.length === 0) {
      return {
        models: [],
        samplers: [],
        schedulers: [],
        unavailable: 'Stable Diffusion is not connected (preview backend).',
      };
    }
    let firstProblem: unknown;
    for (const backend of servers) {
      try {
        return { ...(await backend.catalog()), unavailable: null };
      } catch (error) {
        firstProblem ??= error;
      }
    }
    const reason = firstProblem instanceof Error ? firstProblem.message : String(firstProblem);
    return {
      models: [],
      samplers: [],
      schedulers: [],
      unavailable: `Stable Diffusion did not answer: ${reason}`.slice(0, 500),
    };
  }
}
