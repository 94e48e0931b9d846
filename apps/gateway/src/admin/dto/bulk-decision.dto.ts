import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, Min } from 'class-validator';

export const BULK_MAX = 500;

/**
 * Approve selected / Deny selected: the ticked rows' ids (a form sends one value or several, JSON an
 * array) and which button was pressed.
 */
export class BulkDecisionDto {
  @Min(1, { each: true, message: 'Each selected prompt must be a prompt id.' })
  @IsInt({ each: true, message: 'Each selected prompt must be a prompt id.' })
  @ArrayMaxSize(BULK_MAX, { message: `Select at most ${BULK_MAX} prompts at once.` })
  @ArrayMinSize(1, { message: 'Select at least one prompt first.' })
  @IsArray({ message: 'Select at least one prompt first.' })
  @Transform(({ value }) =>
    value === undefined || value === null || value === ''
      ? []
      : (Array.isArray(value) ? value : [value]).map((item) =>
          typeof item === 'string' && /^\d{1,10}$/.test(item) ? Number(item) : item,
        ),
  )
  ids: number[];

  @IsIn(['approve', 'deny'], { message: 'Choose Approve selected or Deny selected.' })
  action: 'approve' | 'deny';
}
