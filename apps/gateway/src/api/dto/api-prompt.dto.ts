import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PAGING_LIMITS } from '#contracts';
import { SUGGESTION_STATUSES, type SuggestionStatus } from '../../suggestions/suggestion.entity.js';

/** Documentation of POST /api/prompts; validation is CreateSuggestionDto's, the same as the form's. */
export class ApiCreatePromptDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'A lighthouse made of glass at sunset' })
  prompt: string;
  @ApiProperty({
    type: 'integer',
    minimum: 256,
    maximum: 2048,
    example: 512,
    description: "One of the host's allowed sizes.",
  })
  width: number;
  @ApiProperty({
    type: 'integer',
    minimum: 256,
    maximum: 2048,
    example: 768,
    description: "One of the host's allowed sizes.",
  })
  height: number;
  @ApiProperty({
    required: false,
    type: 'string',
    format: 'binary',
    description: 'Multipart only: a picture for img2img (at most 64 MB; checked by content).',
  })
  image?: unknown;
  @ApiProperty({
    required: false,
    format: 'uri',
    maxLength: 2048,
    example: 'https://images.example.org/cat.jpg',
    description: 'Or a public http(s) address of a picture; private and local addresses are refused.',
  })
  imageUrl?: string;
}

export class ApiPromptDto {
  @ApiProperty({ type: 'integer', example: 12 }) id: number;
  @ApiProperty({ example: 'A lighthouse made of glass at sunset' }) prompt: string;
  @ApiProperty({ type: 'integer', example: 512 }) width: number;
  @ApiProperty({ type: 'integer', example: 768 }) height: number;
  @ApiProperty({ enum: SUGGESTION_STATUSES, example: 'rendered' }) status: SuggestionStatus;
  @ApiProperty({ format: 'date-time', example: '2026-11-29T20:15:00.000Z' }) submittedAt: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '/images/12',
    description:
      'Path of the image (relative to the server), once it is rendered, passed (when the host reviews renders) and revealed; null until then.',
  })
  imageUrl: string | null;
  @ApiProperty({ example: false, description: 'True when a moderator edited the text before approving it.' })
  edited: boolean;
  @ApiProperty({ example: true, description: 'True when the prompt starts from a picture (img2img).' })
  hasPicture: boolean;
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '/images/12/picture',
    description:
      'For moderators and the admin only: path of the picture the prompt starts from (staff on an enrolled device, or with a token); null for everyone else and for prompts without one.',
  })
  pictureUrl: string | null;
}

export class ApiCreatedPromptDto {
  @ApiProperty({ type: 'integer', example: 12 }) id: number;
  @ApiProperty({ enum: SUGGESTION_STATUSES, example: 'pending' }) status: SuggestionStatus;
}

export class ApiDecisionDto {
  @ApiProperty({ type: 'integer', example: 12 }) id: number;
  @ApiProperty({ enum: ['approved', 'denied'], example: 'approved' }) status: 'approved' | 'denied';
}

export const API_PAGE_SIZE_MAX = 100;

export class ListPromptsQueryDto {
  @ApiProperty({ required: false, enum: SUGGESTION_STATUSES })
  @IsIn(SUGGESTION_STATUSES, { message: `status must be one of ${SUGGESTION_STATUSES.join(', ')}.` })
  @IsOptional()
  status?: SuggestionStatus;

  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: PAGING_LIMITS.maxPage, default: 1 })
  @Max(PAGING_LIMITS.maxPage, { message: `page can be at most ${PAGING_LIMITS.maxPage}.` })
  @Min(1, { message: 'page must be at least 1.' })
  @IsInt({ message: 'page must be a whole number.' })
  @Type(() => Number)
  @IsOptional()
  page?: number;

  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: API_PAGE_SIZE_MAX, default: 50 })
  @Max(API_PAGE_SIZE_MAX, { message: `limit can be at most ${API_PAGE_SIZE_MAX}.` })
  @Min(1, { message: 'limit must be at least 1.' })
  @IsInt({ message: 'limit must be a whole number.' })
  @Type(() => Number)
  @IsOptional()
  limit?: number;
}

export class ApiPromptPageDto {
  @ApiProperty({ type: [ApiPromptDto] }) items: ApiPromptDto[];
  @ApiProperty({ type: 'integer', example: 1, description: 'All your prompts of that status.' })
  total: number;
  @ApiProperty({ type: 'integer', example: 1 }) page: number;
  @ApiProperty({ type: 'integer', example: 50 }) limit: number;
}

export class ApiErrorDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode: number;
  @ApiProperty({ example: 'A prompt can be at most 2000 characters.' }) message: string;
  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase.' }) error: string;
}
