import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';

/** A deck's id: made by the server for each deck page (a UUID). */
export const DECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `/admin/deck` and `/admin/deck/card`: which deck, its current card, and whether to skip it. */
export class DeckQueryDto {
  @IsOptional()
  @Matches(DECK_ID, { message: 'That deck is not known: open the deck page again.' })
  deck?: string;

  @IsOptional()
  @Min(1, { message: 'The current card must be a prompt id.' })
  @IsInt({ message: 'The current card must be a prompt id.' })
  @Type(() => Number)
  current?: number;

  @IsOptional()
  @IsIn(['1'], { message: 'skip must be 1.' })
  skip?: '1';
}
