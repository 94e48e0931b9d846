import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserFingerprintEntity } from './user-fingerprint.entity.js';
import { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, UserFingerprintEntity])],
  providers: [UsersRepository],
  exports: [UsersRepository],
})
export class UsersModule {}
