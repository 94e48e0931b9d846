import { NestFactory } from '@nestjs/core';
import { ClaimService } from '../admin/claim.service.js';
import { AppModule } from '../app.module.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * A fresh one-time admin claim link, written to the same database a running gateway uses (WAL and the
 * busy timeout let both work at once).
 */
export async function createClaimLink(config: GatewayConfig): Promise<string> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    return await context.get(ClaimService).createLink(config.originFor());
  } finally {
    await context.close();
  }
}
