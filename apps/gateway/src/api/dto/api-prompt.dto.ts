import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { SUGGESTION_STATUSES, type SuggestionStatus } from '../../suggestions/suggestion.entity.js';

/** Documentation of POST /api/prompts; validation is CreateSuggestionDto's, the same as the form's. */
export class ApiCreatePromptDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'A lighthouse made of glass at sunset' })
  prompt: string;
  @ApiProperty({ example: 512, description: "One of the host's allowed sizes." })
  width: number;
  @ApiProperty({ example: 512, description: "One of the host's allowed sizes." })
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
    description: 'Or a public http(s) address of a picture; private and local addresses are refused.',
  })
  imageUrl?: string;
}

export class ApiPromptDto {
  @ApiProperty() id: number;
  @ApiProperty() prompt: string;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty({ enum: SUGGESTION_STATUSES }) status: SuggestionStatus;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
  @ApiProperty({
    required: false,
    nullable: true,
    description: 'Where the image can be fetched, once rendered and revealed by the host.',
  })
  imageUrl?: string | null;
}

export class ApiCreatedPromptDto {
  @ApiProperty() id: number;
  @ApiProperty({ enum: SUGGESTION_STATUSES }) status: SuggestionStatus;
}

export class ApiDecisionDto {
  @ApiProperty() id: number;
  @ApiProperty({ enum: ['approved', 'denied'] }) status: SuggestionStatus;
}

export const API_PAGE_SIZE_MAX = 100;

export class ListPromptsQueryDto {
  @ApiProperty({ required: false, enum: SUGGESTION_STATUSES })
  @IsIn(SUGGESTION_STATUSES, { message: `status must be one of ${SUGGESTION_STATUSES.join(', ')}.` })
  @IsOptional()
  status?: SuggestionStatus;

  @ApiProperty({ required: false, minimum: 1, default: 1 })
  @Min(1, { message: 'page must be at least 1.' })
  @IsInt({ message: 'page must be a whole number.' })
  @Type(() => Number)
  @IsOptional()
  page?: number;

  @ApiProperty({ required: false, minimum: 1, maximum: API_PAGE_SIZE_MAX, default: 50 })
  @Max(API_PAGE_SIZE_MAX, { message: `limit can be at most ${API_PAGE_SIZE_MAX}.` })
  @Min(1, { message: 'limit must be at least 1.' })
  @IsInt({ message: 'limit must be a whole number.' })
  @Type(() => Number)
  @IsOptional()
  limit?: number;
}

export class ApiPromptPageDto {
  @ApiProperty({ type: [ApiPromptDto] }) items: ApiPromptDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class ApiErrorDto {
  @ApiProperty() statusCode: number;
  @ApiProperty() message: string;
  @ApiProperty() error: string;
}
