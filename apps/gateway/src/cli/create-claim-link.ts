import { NestFactory } from '@nestjs/core';
import { ClaimService } from '../admin/claim.service.js';
import { AppModule } from '../app.module.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { runningOrigin } from '../admin/running-origin.js';

/**
 * A fresh one-time admin claim link, written to the same database a running gateway uses (WAL and the
 * busy timeout let both work at once), pointing at that gateway.
 */
export async function createClaimLink(config: GatewayConfig): Promise<string> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    // PUBLIC_URL first (originFor), then the gateway running on this database, then PORT.
    const origin = config.publicUrl ?? runningOrigin(config) ?? config.originFor();
    return await context.get(ClaimService).createLink(origin);
  } finally {
    await context.close();
  }
}
