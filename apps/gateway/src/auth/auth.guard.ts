import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppRequest } from '../common/app-request.js';
import { FingerprintService } from '../identity/fingerprint.service.js';
import { IdentityService } from '../identity/identity.service.js';
import type { UserRole } from '../users/user.entity.js';
import { AdminDevicesRepository } from './admin-devices.repository.js';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';

/**
 * Global and secure by default: every route needs a session user unless marked @Public(); staff routes
 * (@Roles) also need the request to come from a device enrolled for that user. Headers alone never
 * grant anything, and a session cookie copied to another device is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly identity: IdentityService,
    private readonly fingerprints: FingerprintService,
    private readonly devices: AdminDevicesRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AppRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const user = await this.identity.currentUser(req);
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    if (!user) throw new UnauthorizedException('Open the home page first to get your colour.');

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets);
    if (!roles) return true;
    if (!roles.includes(user.role)) throw new ForbiddenException('This page is for the host.');
    if (!(await this.devices.isEnrolled(user.id, this.fingerprints.keyFor(req)))) {
      throw new ForbiddenException(
        'This device is not enrolled for the host account. Open a fresh claim link on it.',
      );
    }
    return true;
  }
}
