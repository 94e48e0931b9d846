import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AppRequest } from '../common/app-request.js';
import type { UserEntity, UserRole } from '../users/user.entity.js';

export const IS_PUBLIC_KEY = 'vernissage:public';
export const ROLES_KEY = 'vernissage:roles';

/** Reachable without a session (the guard still loads the session's user when there is one). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** Staff-only: the session's user must have one of these roles and be on an enrolled device. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): UserEntity | undefined => {
    return ctx.switchToHttp().getRequest<AppRequest>().user;
  },
);
