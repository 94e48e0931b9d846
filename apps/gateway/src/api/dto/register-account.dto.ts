import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

import {
  EMAIL_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  USERNAME_MAX,
  USERNAME_MIN,
  USERNAME_PATTERN,
  USERNAME_PATTERN_MESSAGE,
} from '../../accounts/account-rules.js';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Decorators run bottom-up and stop at the first error, so the most basic check sits lowest. */
export class RegisterAccountDto {
  @ApiProperty({
    minLength: USERNAME_MIN,
    maxLength: USERNAME_MAX,
    pattern: USERNAME_PATTERN.source,
    example: 'ada',
  })
  @Matches(USERNAME_PATTERN, { message: USERNAME_PATTERN_MESSAGE })
  @MaxLength(USERNAME_MAX, { message: `A username can be at most ${USERNAME_MAX} characters.` })
  @MinLength(USERNAME_MIN, { message: `A username needs at least ${USERNAME_MIN} characters.` })
  @IsString({ message: 'The username must be text.' })
  @IsDefined({ message: 'A username is required.' })
  @Transform(trimmed)
  username: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX, example: 'ada@example.org' })
  @MaxLength(EMAIL_MAX, { message: `An email address can be at most ${EMAIL_MAX} characters.` })
  @IsEmail({}, { message: 'That email address does not look right.' })
  @IsString({ message: 'The email must be text.' })
  @IsDefined({ message: 'An email address is required.' })
  @Transform(trimmed)
  email: string;

  @ApiProperty({
    required: false,
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    description:
      'Optional. Without it the account waits for its holder to set a password from an invitation.',
    example: 'correct horse battery staple',
  })
  @MaxLength(PASSWORD_MAX, { message: `A password can be at most ${PASSWORD_MAX} characters.` })
  @MinLength(PASSWORD_MIN, { message: `A password needs at least ${PASSWORD_MIN} characters.` })
  @IsString({ message: 'The password must be text.' })
  @IsOptional()
  password?: string;
}

export class RegisteredAccountDto {
  @ApiProperty({ type: 'integer', example: 7 }) id: number;
  @ApiProperty({ example: 'ada' }) username: string;
  @ApiProperty({ format: 'email', example: 'ada@example.org' }) email: string;
  @ApiProperty({ enum: ['member'], example: 'member' }) role: 'member';
}
