import { Injectable, UnauthorizedException } from '@nestjs/common';
import argon2 from 'argon2';
import { AdminDevicesRepository } from '../auth/admin-devices.repository.js';
import type { AppRequest } from '../common/app-request.js';
import { FingerprintService } from '../identity/fingerprint.service.js';
import { regenerateSession } from '../sessions/session-utils.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { LockoutService } from './lockout.service.js';

/** One message for an unknown account and a wrong password, so a login never reveals who has an account. */
export const LOGIN_FAILED_MESSAGE = 'Wrong username, email or password.';

export function isStaff(user: Pick<UserEntity, 'role'>): boolean {
  return user.role === 'admin' || user.role === 'moderator';
}

@Injectable()
export class LoginService {
  /** Verified against when the account is unknown, so both failures take about as long. */
  private readonly decoyHash = argon2.hash('decoy password that never matches', { type: argon2.argon2id });

  constructor(
    private readonly users: UsersRepository,
    private readonly lockout: LockoutService,
    private readonly devices: AdminDevicesRepository,
    private readonly fingerprints: FingerprintService,
  ) {}

  /**
   * Checks the password and signs the account in on a new session id. Staff logging in enrol this device
   * for the staff guard: the password is the proof that the fingerprint check alone cannot give, and a
   * browser update (new User-Agent) must never lock the host out of their own party.
   */
  async logIn(req: AppRequest, identifier: string, password: string): Promise<UserEntity> {
    const user = await this.users.findByUsernameOrEmail(identifier.trim());
    const subject = this.lockout.accountSubject(user?.passwordHash ? user.id : null, identifier);
    await this.lockout.assertNotLocked(req, subject);
    const valid = user?.passwordHash
      ? await argon2.verify(user.passwordHash, password).catch(() => false)
      : await argon2.verify(await this.decoyHash, password).then(() => false);
    if (!user || !valid) {
      await this.lockout.recordFailure(req, subject);
      throw new UnauthorizedException(LOGIN_FAILED_MESSAGE);
    }
    await this.lockout.recordSuccess(subject);
    await regenerateSession(req);
    req.session.userId = user.id;
    req.user = user;
    if (isStaff(user)) await this.devices.enrol(user.id, this.fingerprints.keyFor(req));
    return user;
  }

  logOut(req: AppRequest): Promise<void> {
    return new Promise((resolve, reject) =>
      req.session.destroy((error: unknown) => (error ? reject(error) : resolve())),
    );
  }
}
