import 'reflect-metadata';
import 'dotenv/config';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadGatewayConfig } from './config/gateway.config.js';
import { announce, createGatewayApp } from './setup.js';

try {
  const config = loadGatewayConfig(process.env);
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  await announce(app, config, port);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
