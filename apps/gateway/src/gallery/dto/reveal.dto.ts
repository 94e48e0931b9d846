import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

const FORM_VALUES = new Map<unknown, boolean>([
  ['true', true],
  ['on', true],
  ['false', false],
  ['off', false],
]);

/**
 * `{ "revealed": true }` from the switch's script, or the form without script: a hidden `false` followed
 * by the checkbox's `true`, so the last value sent is the one that counts.
 */
export class RevealDto {
  @IsBoolean({ message: 'revealed must be true or false.' })
  @Transform(({ value }) => {
    const last: unknown =
      Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.at(-1) : value;
    return FORM_VALUES.get(last) ?? last;
  })
  revealed: boolean;
}
