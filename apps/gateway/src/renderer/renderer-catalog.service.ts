import { Injectable } from '@nestjs/common';
import { RendererPattern, type CatalogReply } from '#contracts';
import { RendererPool } from './renderer-pool.service.js';

/** The settings page waits this long at most for SD's lists. */
const CATALOG_TIMEOUT_MS = 3_000;

/**
 * What the SD servers offer (checkpoints, samplers), for the host's generation settings: the first connected
 * renderer's answer (the settings apply to every SD server, so the host gives them all the same models).
 */
@Injectable()
export class RendererCatalog {
  constructor(private readonly pool: RendererPool) {}

  /** Empty lists with the reason when they cannot be had; never throws. */
  async list(): Promise<CatalogReply> {
    const unavailable = (reason: string): CatalogReply => ({
      models: [],
      samplers: [],
      schedulers: [],
      unavailable: reason,
    });
    const connected = this.pool.connections.find((connection) => connection.link.connected);
    if (!connected) return unavailable('The renderer is not connected.');
    try {
      return await connected.client.send(RendererPattern.Catalog, {}, CATALOG_TIMEOUT_MS);
    } catch (error) {
      return unavailable(error instanceof Error ? error.message : 'The renderer is not connected.');
    }
  }
}
