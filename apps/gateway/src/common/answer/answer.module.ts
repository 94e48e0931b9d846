import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AnswerInterceptor } from './answer.interceptor.js';
import { PageRegistry } from './page-registry.service.js';

/** Answer shaping for every route (global), and the registry of form pages modules draw again on refusal. */
@Global()
@Module({
  providers: [PageRegistry, { provide: APP_INTERCEPTOR, useClass: AnswerInterceptor }],
  exports: [PageRegistry],
})
export class AnswerModule {}
