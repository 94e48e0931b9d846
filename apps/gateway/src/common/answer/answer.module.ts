import { Global, Module } from '@nestjs/common';
import { PageRegistry } from './page-registry.service.js';

/**
 * The registry of form pages modules draw again on refusal, for every module. AnswerInterceptor itself is
 * bound per route by `@Answer`; a `Page` result is drawn by AnsweringExpressAdapter.
 */
@Global()
@Module({
  providers: [PageRegistry],
  exports: [PageRegistry],
})
export class AnswerModule {}
