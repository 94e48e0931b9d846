import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type RendererConfig, sdServerOf } from '../config/renderer.config.js';
import { A1111Backend } from './a1111/a1111.backend.js';
import { ComfyUiBackend } from './comfyui/comfyui.backend.js';
import { PreviewBackend } from './preview/preview.backend.js';
import { RENDER_BACKEND, type RenderBackend } from './render-backend.js';

/** One backend for the configured server; a self-contained object, so several can exist side by side later. */
export function createBackend(config: RendererConfig): RenderBackend & { close?: () => void } {
  switch (config.sdBackend) {
    case 'preview':
      return new PreviewBackend();
    case 'a1111':
      return new A1111Backend(sdServerOf(config));
    case 'comfyui':
      return new ComfyUiBackend(sdServerOf(config));
  }
}

/** Provides RENDER_BACKEND from SD_BACKEND / SD_URL: AUTOMATIC1111 (and its forks), ComfyUI, or the local preview. */
@Module({})
export class BackendsModule implements OnApplicationShutdown {
  constructor(@Inject(RENDER_BACKEND) private readonly backend: RenderBackend & { close?: () => void }) {}

  static forRoot(config: RendererConfig): DynamicModule {
    return {
      module: BackendsModule,
      global: true,
      providers: [{ provide: RENDER_BACKEND, useFactory: () => createBackend(config) }],
      exports: [RENDER_BACKEND],
    };
  }

  /** After the queue has stopped (beforeApplicationShutdown): drop the backend's connections. */
  onApplicationShutdown(): void {
    this.backend.close?.();
  }
}
