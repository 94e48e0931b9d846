import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { SettingEntity } from './setting.entity.js';

@Injectable()
export class SettingsRepository {
  constructor(
    @InjectRepository(SettingEntity) private readonly settings: Repository<SettingEntity>,
    private readonly writer: SerialWriter,
  ) {}

  async readAll(): Promise<Map<string, string>> {
    const rows = await this.settings.find();
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  writeMany(values: Record<string, string>): Promise<void> {
    return this.writer.transaction(async (manager) => {
      for (const [key, value] of Object.entries(values)) {
        await manager.query(
          'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          [key, value],
        );
      }
    });
  }
}
