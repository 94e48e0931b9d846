import { IsString, MaxLength } from 'class-validator';

/** Lengths are checked by AccountService, so the page can show the message beside the form. */
export class ChangePasswordDto {
  @MaxLength(200, { message: 'Current password is too long.' })
  @IsString({ message: 'Enter your current password.' })
  currentPassword: string;

  @MaxLength(1000, { message: 'New password can be at most 200 characters.' })
  @IsString({ message: 'Enter a new password.' })
  newPassword: string;

  @MaxLength(1000, { message: 'Repeat the new password.' })
  @IsString({ message: 'Repeat the new password.' })
  repeatPassword: string;
}
