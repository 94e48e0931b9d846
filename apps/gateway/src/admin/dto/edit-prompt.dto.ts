import { Transform } from 'class-transformer';
import { IsDefined, IsString, MaxLength, MinLength } from 'class-validator';
import { PROMPT_LIMITS } from '#contracts';

const PROMPT_MAX = PROMPT_LIMITS.maxLength;

/** Edit then Save and approve: the moderator's text, under the same rule as a guest's. */
export class EditPromptDto {
  @MaxLength(PROMPT_MAX, { message: `A prompt can be at most ${PROMPT_MAX} characters.` })
  @MinLength(PROMPT_LIMITS.minLength, { message: 'Write a prompt first.' })
  @IsString({ message: 'Prompt must be text.' })
  @IsDefined({ message: 'Write a prompt first.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  prompt: string;
}
