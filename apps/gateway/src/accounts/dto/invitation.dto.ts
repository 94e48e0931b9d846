import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { USER_ROLES, type UserRole } from '../../users/user.entity.js';
import {
  EMAIL_MAX,
  USERNAME_MAX,
  USERNAME_MIN,
  USERNAME_PATTERN,
  USERNAME_PATTERN_MESSAGE,
} from '../account-rules.js';

export const INVITABLE_ROLES = ['member', 'moderator'] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The admin's invite form (or the same fields as JSON). */
export class InvitationDto {
  @Matches(USERNAME_PATTERN, { message: USERNAME_PATTERN_MESSAGE })
  @MaxLength(USERNAME_MAX, { message: `A username can be at most ${USERNAME_MAX} characters.` })
  @MinLength(USERNAME_MIN, { message: `A username needs at least ${USERNAME_MIN} characters.` })
  @IsString({ message: 'A username must be text.' })
  @Transform(trim)
  username: string;

  @IsEmail({}, { message: 'That email address does not look right.' })
  @MaxLength(EMAIL_MAX, { message: `An email address can be at most ${EMAIL_MAX} characters.` })
  @IsString({ message: 'An email address must be text.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  email: string;

  @IsIn(INVITABLE_ROLES, { message: 'The role must be member or moderator.' })
  role: InvitableRole;
}

/** The admin's role switch on a user's row. */
export class ChangeRoleDto {
  @IsIn(USER_ROLES, { message: `The role must be one of: ${USER_ROLES.join(', ')}.` })
  role: UserRole;
}
