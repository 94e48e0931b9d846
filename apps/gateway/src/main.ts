import 'reflect-metadata';
import 'dotenv/config';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadGatewayConfig } from './config/gateway.config.js';
import { announce, createGatewayApp, listenProblem } from './setup.js';

/** sysexits' EX_CONFIG: trying again will not help, so scripts/start-all.ts does not restart on it. */
const EXIT_CANNOT_START = 78;

try {
  const config = loadGatewayConfig(process.env);
  const problem = await listenProblem(config);
  if (problem) {
    console.error(problem);
    process.exit(EXIT_CANNOT_START);
  }
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  await announce(app, config, port);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(EXIT_CANNOT_START);
  }
  throw error;
}
