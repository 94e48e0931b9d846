import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import type { RendererConfig } from '../config/renderer.config.js';
import { A1111Backend, a1111HttpConfig } from './a1111/a1111.backend.js';
import { PreviewBackend } from './preview/preview.backend.js';
import { RENDER_BACKEND } from './render-backend.js';

/** Provides RENDER_BACKEND: AUTOMATIC1111 when SD_URL is set, the local preview otherwise. */
@Module({})
export class BackendsModule {
  static forRoot(config: RendererConfig): DynamicModule {
    if (!config.sdUrl) {
      return {
        module: BackendsModule,
        global: true,
        providers: [PreviewBackend, { provide: RENDER_BACKEND, useExisting: PreviewBackend }],
        exports: [RENDER_BACKEND],
      };
    }
    return {
      module: BackendsModule,
      global: true,
      imports: [HttpModule.register(a1111HttpConfig(config))],
      providers: [A1111Backend, { provide: RENDER_BACKEND, useExisting: A1111Backend }],
      exports: [RENDER_BACKEND],
    };
  }
}
