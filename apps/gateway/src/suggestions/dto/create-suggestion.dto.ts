import { Transform, Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const PROMPT_MAX_LENGTH = 2000;

/**
 * The prompt form and its JSON twin. Sizes are checked against the admin's allowed list in the service.
 * class-validator runs decorators bottom-up and we stop at the first error, so the most basic check
 * (present, right type) sits lowest and gives the message.
 */
export class CreateSuggestionDto {
  @MaxLength(PROMPT_MAX_LENGTH, { message: `A prompt can be at most ${PROMPT_MAX_LENGTH} characters.` })
  @MinLength(1, { message: 'Write a prompt first.' })
  @IsString({ message: 'Prompt must be text.' })
  @IsDefined({ message: 'Write a prompt first.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  prompt: string;

  @Max(2048, { message: 'Width can be at most 2048.' })
  @Min(256, { message: 'Width must be at least 256.' })
  @IsInt({ message: 'Width must be a whole number.' })
  @Type(() => Number)
  width: number;

  @Max(2048, { message: 'Height can be at most 2048.' })
  @Min(256, { message: 'Height must be at least 256.' })
  @IsInt({ message: 'Height must be a whole number.' })
  @Type(() => Number)
  height: number;

  /** Optional picture for img2img, fetched by the gateway (the file alternative arrives as multipart). */
  @MaxLength(2048, { message: 'A picture URL can be at most 2048 characters.' })
  @IsString({ message: 'Picture URL must be text.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() || undefined : value))
  imageUrl?: string;
}
