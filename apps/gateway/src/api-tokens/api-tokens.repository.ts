import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { ApiTokenEntity } from './api-token.entity.js';

@Injectable()
export class ApiTokensRepository {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly writer: SerialWriter,
  ) {}

  create(userId: number, name: string, tokenHash: string, now = new Date()): Promise<ApiTokenEntity> {
    return this.writer.write((manager) =>
      manager.save(
        manager.create(ApiTokenEntity, {
          userId,
          name,
          tokenHash,
          createdAt: now,
          lastUsedAt: null,
          revokedAt: null,
        }),
      ),
    );
  }

  /** One lookup on the unique hash index; revoked tokens are never found. */
  findActiveByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.tokens.findOneBy({ tokenHash, revokedAt: IsNull() });
  }

  listActiveOfUser(userId: number): Promise<ApiTokenEntity[]> {
    return this.tokens.find({ where: { userId, revokedAt: IsNull() }, order: { id: 'DESC' } });
  }

  /** Only the owner's own, still active token can be revoked; false otherwise. */
  revoke(id: number, userId: number, now = new Date()): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        ApiTokenEntity,
        { id, userId, revokedAt: IsNull() },
        { revokedAt: now },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  revokeAllOf(userId: number, now = new Date()): Promise<number> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        ApiTokenEntity,
        { userId, revokedAt: IsNull() },
        { revokedAt: now },
      );
      return result.affected ?? 0;
    });
  }

  markUsed(id: number, now = new Date()): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.update(ApiTokenEntity, { id }, { lastUsedAt: now });
    });
  }
}
