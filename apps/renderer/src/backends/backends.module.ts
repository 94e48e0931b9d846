import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type RendererConfig, type SdWorkerConfig, sdServerOf } from '../config/renderer.config.js';
import { A1111Backend } from './a1111/a1111.backend.js';
import { ComfyUiBackend } from './comfyui/comfyui.backend.js';
import { PreviewBackend } from './preview/preview.backend.js';
import { RENDER_BACKEND, RENDER_BACKENDS, type RenderBackend } from './render-backend.js';

type ClosableBackend = RenderBackend & { close?: () => void };

/** One backend for one SD server (the first one's unless `worker` says which); a self-contained object. */
export function createBackend(config: RendererConfig, worker?: SdWorkerConfig): ClosableBackend {
  switch (worker?.backend ?? config.sdBackend) {
    case 'preview':
      return new PreviewBackend();
    case 'a1111':
      return new A1111Backend(sdServerOf(config, worker));
    case 'comfyui':
      return new ComfyUiBackend(sdServerOf(config, worker));
  }
}

/** One backend per SD server in SD_URL / SD_BACKEND, in order. */
export function createBackends(config: RendererConfig): ClosableBackend[] {
  return config.workers.length > 0
    ? config.workers.map((worker) => createBackend(config, worker))
    : [createBackend(config)];
}

/**
 * Provides RENDER_BACKENDS (one per SD server: AUTOMATIC1111 and its forks, ComfyUI, or the local preview)
 * and RENDER_BACKEND, the first of them.
 */
@Module({})
export class BackendsModule implements OnApplicationShutdown {
  constructor(@Inject(RENDER_BACKENDS) private readonly backends: ClosableBackend[]) {}

  static forRoot(config: RendererConfig): DynamicModule {
    return {
      module: BackendsModule,
      global: true,
      providers: [
        { provide: RENDER_BACKENDS, useFactory: () => createBackends(config) },
        { provide: RENDER_BACKEND, useFactory: (all: RenderBackend[]) => all[0], inject: [RENDER_BACKENDS] },
      ],
      exports: [RENDER_BACKENDS, RENDER_BACKEND],
    };
  }

  /** After the queues have stopped (beforeApplicationShutdown): drop the backends' connections. */
  onApplicationShutdown(): void {
    for (const backend of this.backends) backend.close?.();
  }
}
