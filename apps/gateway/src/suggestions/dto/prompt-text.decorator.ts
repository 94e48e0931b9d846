import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDefined, IsString, MaxLength, MinLength } from 'class-validator';
import { PROMPT_LIMITS } from '#contracts';

const PROMPT_MAX = PROMPT_LIMITS.maxLength;

/**
 * A prompt's text, trimmed, under the one rule for guests and moderators alike. We stop at the first error
 * and class-validator checks in the order the decorators were applied, so the most basic check (present,
 * right type) is applied first and gives the message.
 */
export const IsPromptText = () =>
  applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)),
    IsDefined({ message: 'Write a prompt first.' }),
    IsString({ message: 'Prompt must be text.' }),
    MinLength(PROMPT_LIMITS.minLength, { message: 'Write a prompt first.' }),
    MaxLength(PROMPT_MAX, { message: `A prompt can be at most ${PROMPT_MAX} characters.` }),
  );
