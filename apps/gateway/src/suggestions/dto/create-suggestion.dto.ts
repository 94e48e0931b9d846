import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const PROMPT_MAX_LENGTH = 2000;

/** The prompt form and its JSON twin. Sizes are checked against the admin's allowed list in the service. */
export class CreateSuggestionDto {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'Prompt must be text.' })
  @MinLength(1, { message: 'Write a prompt first.' })
  @MaxLength(PROMPT_MAX_LENGTH, { message: `A prompt can be at most ${PROMPT_MAX_LENGTH} characters.` })
  prompt: string;

  @Type(() => Number)
  @IsInt({ message: 'Width must be a whole number.' })
  @Min(256)
  @Max(2048)
  width: number;

  @Type(() => Number)
  @IsInt({ message: 'Height must be a whole number.' })
  @Min(256)
  @Max(2048)
  height: number;
}
