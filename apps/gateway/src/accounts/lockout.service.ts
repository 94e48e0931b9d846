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
    return `ip:${this.keyed(`login|${anonymiseIp(req.ip ?? req.socket.remoteAddress)}`)}`;
  }

  /**
   * The counter for the account a login names: `account:<id>` when it exists, otherwise a keyed hash of
   * the name, so a name without an account locks just like a real one and the lockout reveals nothing.
   */
  accountSubject(userId: number | null, identifier: string): string {
    return userId !== null
      ? `account:${userId}`
      : `name:${this.keyed(`login-name|${identifier.trim().toLowerCase()}`)}`;
  }

  /**
   * Counts this attempt against the address and the account *before* the password is checked, or throws
   * 429 when either is locked (nothing counted then). Counting first is what keeps parallel tries within
   * the limits: a failure needs no further write, so nothing a failure does can lift a lock.
   */
  async reserveAttempt(req: AppRequest, accountSubject: string, now = new Date()): Promise<void> {
    const until = await this.failures.reserve(
      [
        { subject: this.addressSubject(req), rule: ADDRESS_RULE },
        { subject: accountSubject, rule: ACCOUNT_RULE },
      ],
      now,
    );
    if (until) throw new LoginLockedException(until, now);
  }

  /**
   * A right password: the account's earlier mistakes are forgiven (the holder is here), and the address
   * gets this attempt back, since only failures count against a network the whole party may share.
   */
  async recordSuccess(req: AppRequest, accountSubject: string): Promise<void> {
    await this.failures.clear(accountSubject);
    await this.failures.refund(this.addressSubject(req));
  }

  private keyed(material: string): string {
    return createHmac('sha256', this.config.fingerprintSecret).update(material).digest('hex');
  }
}
