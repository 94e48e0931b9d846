import { Injectable, UnauthorizedException, type OnModuleInit } from '@nestjs/common';
import { StaffDevices } from '../auth/staff-devices.service.js';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry, type Refusal } from '../common/answer/page-registry.service.js';
import { SESSION_COOKIE, startSession } from '../sessions/session-utils.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { LockoutService } from './lockout.service.js';
import { PasswordHasher } from './password-hasher.service.js';

/** One message for an unknown account and a wrong password, so a login never reveals who has an account. */
export const LOGIN_FAILED_MESSAGE = 'Wrong username, email or password.';

export function isStaff(user: Pick<UserEntity, 'role'>): boolean {
  return user.role === 'admin' || user.role === 'moderator';
}

/** Who just signed in, as the answer shows it. */
export interface LoggedIn {
  id: number;
  username: string | null;
  role: UserEntity['role'];
}

@Injectable()
export class LoginService implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly lockout: LockoutService,
    private readonly staff: StaffDevices,
    private readonly hasher: PasswordHasher,
    private readonly pages: PageRegistry,
  ) {}

  /** A refused login (wrong password, locked) shows the form again with the name kept. */
  onModuleInit(): void {
    this.pages.register('login', (_req, { refusal }) => this.page(refusal));
  }

  page(refusal?: Refusal): Page {
    return new Page('accounts/login', {
      title: 'Log in',
      error: refusal?.message,
      identifier: refusal?.input.identifier,
    });
  }

  /**
   * Checks the password and signs the account in on a new session id. Staff logging in enrol this device
   * for the staff guard: the password is the proof that the fingerprint check alone cannot give, and a
   * browser update (new User-Agent) must never lock the host out of their own party.
   */
  async logIn(req: AppRequest, identifier: string, password: string): Promise<LoggedIn> {
    const user = await this.users.findByUsernameOrEmail(identifier.trim());
    const subject = this.lockout.accountSubject(user?.passwordHash ? user.id : null, identifier);
    // Counted before the check, so no burst of parallel tries gets more checks than the limits allow.
    await this.lockout.reserveAttempt(req, subject);
    const valid = user?.passwordHash
      ? await this.hasher.verify(user.passwordHash, password)
      : await this.hasher.verifyDecoy(password);
    if (!user || !valid) throw new UnauthorizedException(LOGIN_FAILED_MESSAGE);
    await this.lockout.recordSuccess(req, subject);
    await startSession(req, user);
    req.user = user;
    if (isStaff(user)) await this.staff.enrol(req, user.id);
    return { id: user.id, username: user.username, role: user.role };
  }

  /** Ends the session and tells the browser to forget its cookie. */
  async logOut(req: AppRequest): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((error: unknown) => (error ? reject(error) : resolve())),
    );
    req.res?.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
