import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokensModule } from '../api-tokens/api-tokens.module.js';
import { CsrfGuard } from '../common/csrf.js';
import { IdentityModule } from '../identity/identity.module.js';
import { AdminDeviceEntity } from './admin-device.entity.js';
import { AdminDevicesRepository } from './admin-devices.repository.js';
import { AuthGuard } from './auth.guard.js';
import { StaffDevices } from './staff-devices.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([AdminDeviceEntity]), IdentityModule, ApiTokensModule],
  providers: [
    AdminDevicesRepository,
    StaffDevices,
    // Order matters: a forged cross-site POST is refused before anything else looks at it.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [StaffDevices],
})
export class AuthModule {}
