import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';

/** Any text up to an address's length: a malformed address gets the same answer as an unknown one. */
export class PasswordResetRequestDto {
  @MaxLength(254, { message: 'An email address can be at most 254 characters.' })
  @IsString({ message: 'Enter your email address.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  email: string;
}
