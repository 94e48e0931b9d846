import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { SessionEntity } from './session.entity.js';

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly writer: SerialWriter,
  ) {}

  async findLive(sid: string, now: number): Promise<SessionEntity | null> {
    const row = await this.sessions.findOneBy({ sid });
    return row && row.expiresAt > now ? row : null;
  }

  save(sid: string, data: string, expiresAt: number): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.query(
        `INSERT INTO sessions (sid, expires_at, data) VALUES (?, ?, ?)
         ON CONFLICT (sid) DO UPDATE SET expires_at = excluded.expires_at, data = excluded.data`,
        [sid, expiresAt, data],
      );
    });
  }

  extend(sid: string, expiresAt: number): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.update(SessionEntity, { sid }, { expiresAt });
    });
  }

  remove(sid: string): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.delete(SessionEntity, { sid });
    });
  }

  removeExpired(now: number): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.delete(SessionEntity, { expiresAt: LessThan(now) });
    });
  }
}
