import { Injectable } from '@nestjs/common';
import { RendererPattern, type CatalogReply } from '#contracts';
import { RendererClient } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';

/** The settings page waits this long at most for SD's lists. */
const CATALOG_TIMEOUT_MS = 3_000;

/** What the SD server offers (checkpoints, samplers), for the host's generation settings. */
@Injectable()
export class RendererCatalog {
  constructor(
    private readonly client: RendererClient,
    private readonly link: RendererLink,
  ) {}

  /** Empty lists with the reason when they cannot be had; never throws. */
  async list(): Promise<CatalogReply> {
    const unavailable = (reason: string): CatalogReply => ({
      models: [],
      samplers: [],
      schedulers: [],
      unavailable: reason,
    });
    if (!this.link.connected) return unavailable('The renderer is not connected.');
    try {
      return await this.client.send(RendererPattern.Catalog, {}, CATALOG_TIMEOUT_MS);
    } catch (error) {
      return unavailable(error instanceof Error ? error.message : 'The renderer is not connected.');
    }
  }
}
