import { Type } from 'class-transformer';
import { IsInt, IsPositive } from 'class-validator';

export class ContinueAsDto {
  @Type(() => Number)
  @IsInt()
  @IsPositive()
  userId: number;
}
