import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @MaxLength(254, { message: 'Username or email is too long.' })
  @MinLength(1, { message: 'Enter your username or email.' })
  @IsString({ message: 'Enter your username or email.' })
  identifier: string;

  @MaxLength(200, { message: 'Password is too long.' })
  @MinLength(1, { message: 'Enter your password.' })
  @IsString({ message: 'Enter your password.' })
  password: string;
}
