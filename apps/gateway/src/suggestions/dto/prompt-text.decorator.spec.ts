import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { PROMPT_LIMITS } from '#contracts';
import { EditPromptDto } from '../../admin/dto/edit-prompt.dto.js';
import { CreateSuggestionDto } from './create-suggestion.dto.js';

/** As the app's ValidationPipe runs it: transformed first, stopping at the first error of a field. */
function check(dto: typeof EditPromptDto | typeof CreateSuggestionDto, prompt: unknown) {
  const instance = plainToInstance(dto, { prompt, width: 512, height: 512 });
  const errors = validateSync(instance, { stopAtFirstError: true });
  return {
    prompt: instance.prompt,
    messages: errors.flatMap((error) => Object.values(error.constraints ?? {})),
  };
}

describe('IsPromptText: one rule for a guest’s prompt and a moderator’s edit', () => {
  it.each([EditPromptDto, CreateSuggestionDto])('%o: trims, and says what is wrong, basic first', (dto) => {
    expect(check(dto, '  a lighthouse at dusk  ')).toEqual({ prompt: 'a lighthouse at dusk', messages: [] });
    expect(check(dto, undefined).messages).toEqual(['Write a prompt first.']);
    expect(check(dto, 42).messages).toEqual(['Prompt must be text.']);
    expect(check(dto, '    ').messages).toEqual(['Write a prompt first.']);
    expect(check(dto, 'x'.repeat(PROMPT_LIMITS.maxLength + 1)).messages).toEqual([
      `A prompt can be at most ${PROMPT_LIMITS.maxLength} characters.`,
    ]);
    expect(check(dto, 'x'.repeat(PROMPT_LIMITS.maxLength)).messages).toEqual([]);
  });
});
