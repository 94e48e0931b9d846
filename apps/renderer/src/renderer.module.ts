import { type DynamicModule, Module } from '@nestjs/common';
import { LinkAuthModule } from './auth/link-auth.module.js';
import { BackendsModule } from './backends/backends.module.js';
import { RendererConfigModule } from './config/config.module.js';
import type { RendererConfig } from './config/renderer.config.js';
import { RenderModule } from './render/render.module.js';

@Module({})
export class RendererModule {
  static forRoot(config: RendererConfig): DynamicModule {
    return {
      module: RendererModule,
      // LinkAuthModule: secure by default, every message pattern, present and future, needs a proof of the token.
      imports: [
        RendererConfigModule.forRoot(config),
        BackendsModule.forRoot(config),
        RenderModule,
        LinkAuthModule,
      ],
    };
  }
}
