import type { Request } from 'express';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * The origin for mailed links: PUBLIC_URL, else this server's own port. Never the request's Host
 * header, which a client controls: a forged Host would put an attacker's site into someone's reset mail.
 */
export function mailOrigin(config: GatewayConfig, req: Request): string {
  return config.originFor(req.socket.localPort ?? config.port);
}
