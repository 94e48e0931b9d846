import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { FingerprintService } from './fingerprint.service.js';
import { IdentityService } from './identity.service.js';

@Module({
  imports: [UsersModule],
  providers: [FingerprintService, IdentityService],
  exports: [FingerprintService, IdentityService],
})
export class IdentityModule {}
