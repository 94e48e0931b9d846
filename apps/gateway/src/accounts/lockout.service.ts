import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { anonymiseIp } from '../identity/fingerprint.js';
import { LoginFailuresRepository, type FailureRule } from './login-failures.repository.js';

const WINDOW_MS = 15 * 60 * 1000;
/** Guessing one account's password: a handful of tries, then a pause. */
export const ACCOUNT_RULE: FailureRule = { limit: 5, windowMs: WINDOW_MS, lockMs: WINDOW_MS };
/** One network trying many accounts; looser, since a party shares one Wi-Fi address. */
export const ADDRESS_RULE: FailureRule = { limit: 20, windowMs: WINDOW_MS, lockMs: WINDOW_MS };

export class LoginLockedException extends HttpException {
  constructor(until: Date, now = new Date()) {
    const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
    super(
      `Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Login lockout per account and per client address. The address is kept only as a keyed hash of its
 * anonymised form (the same /24 or /48 the fingerprint uses), never raw.
 */
@Injectable()
export class LockoutService {
  constructor(
    private readonly failures: LoginFailuresRepository,
    private readonly config: GatewayConfig,
  ) {}

  addressSubject(req: AppRequest): string {
    const address = anonymiseIp(req.ip ?? req.socket.remoteAddress);
    const key = createHmac('sha256', this.config.fingerprintSecret).update(`login|${address}`).digest('hex');
    return `ip:${key}`;
  }

  accountSubject(userId: number): string {
    return `account:${userId}`;
  }

  /** Throws 429 when the address, or the account being tried, is locked. */
  async assertNotLocked(req: AppRequest, userId: number | null, now = new Date()): Promise<void> {
    const subjects = [this.addressSubject(req)];
    if (userId !== null) subjects.push(this.accountSubject(userId));
    const until = await this.failures.lockedUntil(subjects, now);
    if (until) throw new LoginLockedException(until, now);
  }

  async recordFailure(req: AppRequest, userId: number | null, now = new Date()): Promise<void> {
    await this.failures.recordFailure(this.addressSubject(req), ADDRESS_RULE, now);
    if (userId !== null) await this.failures.recordFailure(this.accountSubject(userId), ACCOUNT_RULE, now);
  }

  /** A successful login forgives the account's earlier mistakes (not the address's). */
  recordSuccess(userId: number): Promise<void> {
    return this.failures.clear(this.accountSubject(userId));
  }
}
