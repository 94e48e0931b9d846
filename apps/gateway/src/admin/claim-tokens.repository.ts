import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { ClaimTokenEntity } from './claim-token.entity.js';

@Injectable()
export class ClaimTokensRepository {
  constructor(
    @InjectRepository(ClaimTokenEntity) private readonly tokens: Repository<ClaimTokenEntity>,
    private readonly writer: SerialWriter,
  ) {}

  add(tokenHash: string, expiresAt: Date, now = new Date()): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.insert(ClaimTokenEntity, { tokenHash, createdAt: now, expiresAt, usedAt: null });
    });
  }

  /** Marks the token used if it is still valid; true only for the one caller that wins. */
  consume(tokenHash: string, now = new Date()): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        ClaimTokenEntity,
        { tokenHash, usedAt: IsNull(), expiresAt: MoreThan(now) },
        { usedAt: now },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  async isUsable(tokenHash: string, now = new Date()): Promise<boolean> {
    return (await this.tokens.countBy({ tokenHash, usedAt: IsNull(), expiresAt: MoreThan(now) })) > 0;
  }
}
