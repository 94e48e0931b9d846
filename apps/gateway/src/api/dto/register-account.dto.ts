import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const API_PASSWORD_MIN = 10;
export const API_PASSWORD_MAX = 200;

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Decorators run bottom-up and stop at the first error, so the most basic check sits lowest. */
export class RegisterAccountDto {
  @ApiProperty({ minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN.source, example: 'ada' })
  @Matches(USERNAME_PATTERN, {
    message:
      'A username may use letters, digits, dots, dashes and underscores, starting with a letter or digit.',
  })
  @MaxLength(32, { message: 'A username can be at most 32 characters.' })
  @MinLength(3, { message: 'A username needs at least 3 characters.' })
  @IsString({ message: 'The username must be text.' })
  @IsDefined({ message: 'A username is required.' })
  @Transform(trimmed)
  username: string;

  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.org' })
  @MaxLength(254, { message: 'An email address can be at most 254 characters.' })
  @IsEmail({}, { message: 'That email address does not look right.' })
  @IsString({ message: 'The email must be text.' })
  @IsDefined({ message: 'An email address is required.' })
  @Transform(trimmed)
  email: string;

  @ApiProperty({
    required: false,
    minLength: API_PASSWORD_MIN,
    maxLength: API_PASSWORD_MAX,
    description:
      'Optional. Without it the account waits for its holder to set a password from an invitation.',
  })
  @MaxLength(API_PASSWORD_MAX, { message: `A password can be at most ${API_PASSWORD_MAX} characters.` })
  @MinLength(API_PASSWORD_MIN, { message: `A password needs at least ${API_PASSWORD_MIN} characters.` })
  @IsString({ message: 'The password must be text.' })
  @IsOptional()
  password?: string;
}

export class RegisteredAccountDto {
  @ApiProperty() id: number;
  @ApiProperty() username: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ['member'] }) role: 'member';
}
