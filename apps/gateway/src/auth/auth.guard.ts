import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTokensService } from '../api-tokens/api-tokens.service.js';
import type { AppRequest } from '../common/app-request.js';
import { apiCredentialOf, isApiPath } from '../common/bearer.js';
import { IdentityService } from '../identity/identity.service.js';
import type { UserRole } from '../users/user.entity.js';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { StaffDevices } from './staff-devices.service.js';

interface RouteRules {
  isPublic: boolean;
  roles: UserRole[] | undefined;
}

/**
 * Global and secure by default: every route needs a session user unless marked @Public(); staff routes
 * (@Roles) also need the request to come from a device enrolled for that user, at the address the staff
 * session was started from. Headers alone never grant anything, and a session cookie copied to another
 * device or another address is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly rules = new WeakMap<object, RouteRules>();

  constructor(
    private readonly reflector: Reflector,
    private readonly identity: IdentityService,
    private readonly staff: StaffDevices,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AppRequest>();
    const { isPublic, roles } = this.rulesOf(context);
    const user = await this.userOf(req);
    if (isPublic) return true;
    if (!user) throw new UnauthorizedException(signInMessage(req, roles));

    if (!roles) return true;
    if (!roles.includes(user.role)) throw new ForbiddenException(roleMessage(req, roles));
    // A token is a deliberate credential of its own (created on the owner's page), not a copyable cookie:
    // its role alone decides.
    if (req.authenticatedBy === 'token') return true;
    const refusal = await this.staff.refusal(req, user.id);
    if (refusal) throw new ForbiddenException(refusal);
    return true;
  }

  /** A route's @Public and @Roles, read from its metadata once (this guard runs on every request). */
  private rulesOf(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    let rules = this.rules.get(handler);
    if (!rules) {
      const targets = [handler, context.getClass()];
      rules = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true,
        roles: this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets),
      };
      this.rules.set(handler, rules);
    }
    return rules;
  }

  /**
   * An API request with an Authorization header is authenticated by that token alone, never by the
   * cookie (which is why CsrfGuard may let it through); a bad or revoked token is a 401 even on public
   * routes, so a client learns at once that its token no longer works.
   */
  private async userOf(req: AppRequest) {
    const credential = apiCredentialOf(req);
    if (credential === undefined) {
      const user = await this.identity.currentUser(req);
      if (user) req.authenticatedBy = 'session';
      return user;
    }
    const user = credential ? await this.apiTokens.authenticate(credential) : null;
    if (!user) throw new UnauthorizedException('That API token is not valid (or was revoked).');
    req.user = user;
    req.authenticatedBy = 'token';
    return user;
  }
}

/** Tells a visitor without a user what would let them in here, rather than one message for every route. */
function signInMessage(req: AppRequest, roles: UserRole[] | undefined): string {
  if (isApiPath(req)) return 'This needs an API token (Authorization: Bearer vn_…) or a signed-in session.';
  if (!roles) return 'Open the home page first to get your colour.';
  return `${staffPage(roles)}: log in, or open a claim link on this device.`;
}

function roleMessage(req: AppRequest, roles: UserRole[]): string {
  if (!isApiPath(req)) return `${staffPage(roles)}.`;
  const names = roles.length === 1 ? roles[0] : `${roles.slice(0, -1).join(', ')} or ${roles.at(-1)}`;
  return `This needs the ${names} role.`;
}

function staffPage(roles: UserRole[]): string {
  return roles.includes('moderator')
    ? 'This page is for the host and moderators'
    : 'This page is for the host';
}
