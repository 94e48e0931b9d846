import 'reflect-metadata';
import 'dotenv/config';
import { ConfigError, loadGatewayConfig } from '../config/gateway.config.js';
import { createClaimLink } from './create-claim-link.js';

try {
  const config = loadGatewayConfig(process.env);
  const link = await createClaimLink(config);
  console.log('Open this one-time link on the host device to enrol it as the admin:');
  console.log(link);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
