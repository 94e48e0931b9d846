import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ANSWER_KEY, type AnswerOptions } from './answer-options.js';
import { AnswerInterceptor } from './answer.interceptor.js';

export { ANSWER_KEY, Page, type AnswerOptions, type CarriedKey } from './answer-options.js';

/**
 * How a route answers a browser (see AnswerOptions). The interceptor is bound here, per route, not
 * globally: a route without `@Answer` (the guest's home page among them) skips Nest's interceptor chain,
 * and a `Page` it returns is drawn by AnsweringExpressAdapter.
 */
// T is inferred from the options' callbacks; routes whose options use no callbacks need none.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const Answer = <T = any>(options: AnswerOptions<T>) =>
  applyDecorators(SetMetadata(ANSWER_KEY, options), UseInterceptors(AnswerInterceptor));
