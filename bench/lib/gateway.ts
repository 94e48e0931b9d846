import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadGatewayConfig, type GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/setup.js';

/**
 * The gateway's environment for a benchmark: everything inside `dir`, loopback only, an ephemeral port,
 * and per-guest limits raised so that they do not shape the load being measured.
 */
export function benchGatewayEnv(dir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_PATH: join(dir, 'vernissage.sqlite'),
    OUTPUT_DIR: join(dir, 'output'),
    RENDERER_TOKEN_FILE: join(dir, 'renderer.token'),
    // No renderer runs during these benchmarks; port 1 on loopback refuses at once.
    RENDERER_PORT: '1',
    SUBMISSIONS_PER_MINUTE: '10000',
    MAX_PENDING_PER_GUEST: '1000',
    ...overrides,
  };
}

export interface RunningGateway {
  app: NestExpressApplication;
  config: GatewayConfig;
  url: string;
  close(): Promise<void>;
}

/** Starts the real gateway (production set-up, quiet logger) in this process on 127.0.0.1. */
export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  const app = await createGatewayApp(config, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  const { port } = server.address() as AddressInfo;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}
