import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

const YES = new Set(['yes', 'on', 'true', '1']);

/**
 * Deleting cannot be undone, so it needs an explicit `confirm` (the confirmation page sends it; a JSON
 * client sends `{ "confirm": true }`).
 */
export class DeleteUserDto {
  @IsOptional()
  @IsBoolean({ message: 'Confirm must be true or false.' })
  @Transform(({ value }) => (typeof value === 'string' ? YES.has(value.toLowerCase()) : value))
  confirm?: boolean;
}
