import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CreateApiTokenDto {
  @ApiProperty({ required: false, maxLength: 100, description: 'A label to recognise the token by.' })
  @MaxLength(100, { message: 'A token name can be at most 100 characters.' })
  @IsString({ message: 'The token name must be text.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  name?: string;
}
