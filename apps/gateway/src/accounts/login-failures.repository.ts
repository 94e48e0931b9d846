import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { LoginFailureEntity } from './login-failure.entity.js';

export interface FailureRule {
  limit: number;
  windowMs: number;
  lockMs: number;
}

/** One counter a login attempt is charged to (its address, the account it names), with its rule. */
export interface LoginAttemptSubject {
  subject: string;
  rule: FailureRule;
}

@Injectable()
export class LoginFailuresRepository {
  constructor(
    @InjectRepository(LoginFailureEntity) private readonly failures: Repository<LoginFailureEntity>,
    private readonly writer: SerialWriter,
  ) {}

  /** The latest lock still in force among these subjects, or null. */
  async lockedUntil(subjects: string[], now = new Date()): Promise<Date | null> {
    const rows = await this.failures.findBy({ subject: In(subjects) });
    return latestLock(rows, now);
  }

  /**
   * Charges one attempt to every subject *before* the password is checked, as one serialised
   * transaction: either all are charged, or none is and the latest lock in force comes back. The attempt
   * that reaches a subject's limit locks it for the ones after, so however many arrive at once, at most
   * `limit` per window ever reach the password check. A new window starts once the old one has passed.
   */
  reserve(attempt: LoginAttemptSubject[], now = new Date()): Promise<Date | null> {
    return this.writer.transaction(async (manager) => {
      const rows = await manager.findBy(LoginFailureEntity, { subject: In(attempt.map((a) => a.subject)) });
      const locked = latestLock(rows, now);
      if (locked) return locked;
      const bySubject = new Map(rows.map((row) => [row.subject, row]));
      const charged = attempt.map(({ subject, rule }) => {
        const row = bySubject.get(subject);
        const windowOpen = row !== undefined && now.getTime() - row.windowStartedAt.getTime() < rule.windowMs;
        const failures = (windowOpen ? row.failures : 0) + 1;
        return {
          subject,
          failures,
          windowStartedAt: windowOpen ? row.windowStartedAt : now,
          lockedUntil: failures >= rule.limit ? new Date(now.getTime() + rule.lockMs) : null,
        };
      });
      await manager.save(LoginFailureEntity, charged);
      return null;
    });
  }

  /**
   * Gives a subject back the attempt charged to it, when that attempt succeeded (the address of a right
   * password). A lock in force stays: only time lifts it.
   */
  refund(subject: string): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.query('UPDATE login_failures SET failures = MAX(failures - 1, 0) WHERE subject = ?', [
        subject,
      ]);
    });
  }

  clear(subject: string): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.delete(LoginFailureEntity, { subject });
    });
  }
}

function latestLock(rows: LoginFailureEntity[], now: Date): Date | null {
  const locks = rows
    .map((row) => row.lockedUntil)
    .filter((until): until is Date => until !== null && until.getTime() > now.getTime());
  return locks.length > 0 ? new Date(Math.max(...locks.map((until) => until.getTime()))) : null;
}
