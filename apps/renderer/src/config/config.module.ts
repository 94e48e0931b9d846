import { type DynamicModule, Module } from '@nestjs/common';
import { RENDERER_CONFIG, type RendererConfig } from './renderer.config.js';

/** Makes the one validated config object injectable everywhere as RENDERER_CONFIG. */
@Module({})
export class RendererConfigModule {
  static forRoot(config: RendererConfig): DynamicModule {
    return {
      module: RendererConfigModule,
      global: true,
      providers: [{ provide: RENDERER_CONFIG, useValue: config }],
      exports: [RENDERER_CONFIG],
    };
  }
}
