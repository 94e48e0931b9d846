import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAGING_LIMITS } from '#contracts';

export const COLOUR_SEARCH_MAX = 60;

export class ListUsersQueryDto {
  @IsOptional()
  @Max(PAGING_LIMITS.maxPage, { message: `Page can be at most ${PAGING_LIMITS.maxPage}.` })
  @Min(1, { message: 'Page must be 1 or more.' })
  @IsInt({ message: 'Page must be a whole number.' })
  @Type(() => Number)
  page?: number;

  @IsOptional()
  @MaxLength(COLOUR_SEARCH_MAX, {
    message: `A colour search can be at most ${COLOUR_SEARCH_MAX} characters.`,
  })
  @IsString({ message: 'A colour search must be text.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  q?: string;
}
