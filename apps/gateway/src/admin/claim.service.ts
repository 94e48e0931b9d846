import { createHash, randomBytes } from 'node:crypto';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { StaffDevices } from '../auth/staff-devices.service.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { AppRequest } from '../common/app-request.js';
import { IdentityService } from '../identity/identity.service.js';
import { startSession } from '../sessions/session-utils.js';
import { UsersRepository } from '../users/users.repository.js';
import { ClaimTokensRepository } from './claim-tokens.repository.js';

export const CLAIM_PATH = '/admin/claim/';

/**
 * Admin enrolment without SQL: a one-time link, printed at first start or by `npm run admin:claim-link`.
 * Opening it makes the visitor's user an admin and enrols the device it was opened on.
 */
@Injectable()
export class ClaimService {
  constructor(
    private readonly tokens: ClaimTokensRepository,
    private readonly users: UsersRepository,
    private readonly staff: StaffDevices,
    private readonly identity: IdentityService,
    private readonly config: GatewayConfig,
  ) {}

  /** A fresh link; only the token's hash is stored, so the link is shown this once. */
  async createLink(origin: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.add(hashToken(token), new Date(Date.now() + this.config.claimLinkTtlS * 1000));
    return `${origin}${CLAIM_PATH}${token}`;
  }

  /** At start: with no admin yet, print a link so the host can take over. */
  async linkIfNoAdmin(origin: string): Promise<string | null> {
    return (await this.users.hasRole('admin')) ? null : this.createLink(origin);
  }

  async claim(req: AppRequest, token: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token) || !(await this.tokens.consume(hashToken(token)))) {
      throw new ForbiddenException(
        'This claim link is invalid, expired or already used. Print a new one with `npm run admin:claim-link`.',
      );
    }
    const current = await this.identity.currentUser(req);
    const user = current ?? (await this.users.createWithColour('admin', null));
    if (user.role !== 'admin') await this.users.setRole(user.id, 'admin');
    await startSession(req, user);
    await this.staff.enrol(req, user.id);
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
