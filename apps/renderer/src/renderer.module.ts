import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RendererTokenGuard } from './auth/renderer-token.guard.js';
import { BackendsModule } from './backends/backends.module.js';
import { RendererConfigModule } from './config/config.module.js';
import type { RendererConfig } from './config/renderer.config.js';
import { RenderModule } from './render/render.module.js';

@Module({})
export class RendererModule {
  static forRoot(config: RendererConfig): DynamicModule {
    return {
      module: RendererModule,
      imports: [RendererConfigModule.forRoot(config), BackendsModule.forRoot(config), RenderModule],
      // Secure by default: every message pattern, present and future, needs the token.
      providers: [{ provide: APP_GUARD, useClass: RendererTokenGuard }],
    };
  }
}
