import { Injectable } from '@nestjs/common';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, toSqliteDate } from '../database/sql.service.js';

@Injectable()
export class AdminDevicesRepository {
  constructor(
    private readonly writer: SerialWriter,
    private readonly sql: Sql,
  ) {}

  /** Asked on every staff request: one prepared statement on the (user_id, fingerprint_key) key. */
  async isEnrolled(userId: number, fingerprintKey: string): Promise<boolean> {
    const row = await this.sql.get<{ enrolled: number }>(
      `SELECT 1 AS enrolled FROM admin_devices WHERE user_id = ? AND fingerprint_key = ? LIMIT 1`,
      [userId, fingerprintKey],
    );
    return row !== undefined;
  }

  enrol(userId: number, fingerprintKey: string, now = new Date()): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.query(
        `INSERT INTO admin_devices (user_id, fingerprint_key, enrolled_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id, fingerprint_key) DO NOTHING`,
        [userId, fingerprintKey, toSqliteDate(now)],
      );
    });
  }
}
