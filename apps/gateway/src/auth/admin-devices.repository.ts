import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { toSqliteDate } from '../database/sql.service.js';
import { AdminDeviceEntity } from './admin-device.entity.js';

@Injectable()
export class AdminDevicesRepository {
  constructor(
    @InjectRepository(AdminDeviceEntity) private readonly devices: Repository<AdminDeviceEntity>,
    private readonly writer: SerialWriter,
  ) {}

  async isEnrolled(userId: number, fingerprintKey: string): Promise<boolean> {
    return (await this.devices.countBy({ userId, fingerprintKey })) > 0;
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
