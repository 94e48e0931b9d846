import { IsOptional, IsString, MaxLength } from 'class-validator';

import { PASSWORD_MAX } from '../account-rules.js';

/**
 * Only shapes here: the length and equality rules are checked by the service, so a browser gets the
 * form back with its link intact instead of an error page.
 */
export class SetPasswordDto {
  @MaxLength(100, { message: 'That link is not valid.' })
  @IsString({ message: 'That link is not valid.' })
  token: string;

  @IsOptional()
  @MaxLength(1000, { message: `A password can be at most ${PASSWORD_MAX} characters.` })
  @IsString({ message: 'A password must be text.' })
  password?: string;

  @IsOptional()
  @MaxLength(1000, { message: `A password can be at most ${PASSWORD_MAX} characters.` })
  @IsString({ message: 'A password must be text.' })
  repeat?: string;
}

export class SetPasswordQueryDto {
  @IsOptional()
  @MaxLength(100, { message: 'That link is not valid.' })
  @IsString({ message: 'That link is not valid.' })
  token?: string;
}
