import { ConflictException, NotFoundException } from '@nestjs/common';
import type { Refused } from './suggestion-lifecycle.service.js';
import type { SuggestionStatus } from './suggestion.entity.js';

/** A transition that did not apply, as an HTTP answer: 404 for an unknown id, 409 (saying why) otherwise. */
export function refusal(
  result: Refused,
  conflict: (status: SuggestionStatus) => string,
): NotFoundException | ConflictException {
  if (result.reason === 'not-found')
    return new NotFoundException(`There is no prompt #${result.suggestionId}.`);
  return new ConflictException(conflict(result.status));
}
