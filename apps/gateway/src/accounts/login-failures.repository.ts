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

@Injectable()
export class LoginFailuresRepository {
  constructor(
    @InjectRepository(LoginFailureEntity) private readonly failures: Repository<LoginFailureEntity>,
    private readonly writer: SerialWriter,
  ) {}

  /** The latest lock still in force among these subjects, or null. */
  async lockedUntil(subjects: string[], now = new Date()): Promise<Date | null> {
    const rows = await this.failures.findBy({ subject: In(subjects) });
    const locks = rows
      .map((row) => row.lockedUntil)
      .filter((until): until is Date => until !== null && until.getTime() > now.getTime());
    return locks.length > 0 ? new Date(Math.max(...locks.map((until) => until.getTime()))) : null;
  }

  /**
   * Counts one failure for a subject inside its window (a new window starts when the old one has passed)
   * and locks the subject once the limit is reached. Read and write run alone, so concurrent failures
   * are all counted.
   */
  recordFailure(subject: string, rule: FailureRule, now = new Date()): Promise<void> {
    return this.writer.transaction(async (manager) => {
      const row = await manager.findOneBy(LoginFailureEntity, { subject });
      const windowOpen = row !== null && now.getTime() - row.windowStartedAt.getTime() < rule.windowMs;
      const failures = windowOpen ? row.failures + 1 : 1;
      const lockedUntil = failures >= rule.limit ? new Date(now.getTime() + rule.lockMs) : null;
      await manager.save(LoginFailureEntity, {
        subject,
        failures: lockedUntil ? 0 : failures,
        windowStartedAt: windowOpen && !lockedUntil ? row.windowStartedAt : now,
        lockedUntil,
      });
    });
  }

  clear(subject: string): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.delete(LoginFailureEntity, { subject });
    });
  }
}
