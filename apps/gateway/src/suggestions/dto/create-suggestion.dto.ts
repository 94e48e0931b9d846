import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PICTURE_LIMITS, SIZE_LIMITS } from '#contracts';
import { IsPromptText } from './prompt-text.decorator.js';

const SIZE_MIN = SIZE_LIMITS.min;
const SIZE_MAX = SIZE_LIMITS.max;

/**
 * The prompt form and its JSON twin. Sizes are checked against the admin's allowed list in the service.
 * class-validator runs decorators bottom-up and we stop at the first error, so the most basic check
 * (present, right type) sits lowest and gives the message.
 */
export class CreateSuggestionDto {
  @IsPromptText()
  prompt: string;

  @Max(SIZE_MAX, { message: `Width can be at most ${SIZE_MAX}.` })
  @Min(SIZE_MIN, { message: `Width must be at least ${SIZE_MIN}.` })
  @IsInt({ message: 'Width must be a whole number.' })
  @Type(() => Number)
  width: number;

  @Max(SIZE_MAX, { message: `Height can be at most ${SIZE_MAX}.` })
  @Min(SIZE_MIN, { message: `Height must be at least ${SIZE_MIN}.` })
  @IsInt({ message: 'Height must be a whole number.' })
  @Type(() => Number)
  height: number;

  /** Optional picture for img2img, fetched by the gateway (the file alternative arrives as multipart). */
  @MaxLength(PICTURE_LIMITS.urlMaxLength, {
    message: `A picture URL can be at most ${PICTURE_LIMITS.urlMaxLength} characters.`,
  })
  @IsString({ message: 'Picture URL must be text.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() || undefined : value))
  imageUrl?: string;
}
