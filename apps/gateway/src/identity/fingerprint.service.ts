import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';
import type { AppRequest } from '../common/app-request.js';
import { createHmac } from 'node:crypto';
import { clientAddress, fingerprintKey } from './fingerprint.js';

@Injectable()
export class FingerprintService {
  constructor(private readonly config: GatewayConfig) {}

  /**
   * The request's keyed fingerprint. `req.ip` honours TRUST_PROXY (Express's trust proxy setting), so a
   * spoofed X-Forwarded-For counts for nothing unless the operator said a proxy is in front.
   */
  keyFor(req: AppRequest): string {
    req.fingerprintKey ??= fingerprintKey(this.config.fingerprintSecret, {
      ip: req.ip ?? req.socket.remoteAddress,
      userAgent: req.get('user-agent'),
      acceptLanguage: req.get('accept-language'),
    });
    return req.fingerprintKey;
  }

  /** The request's exact client address (IPv4 /32, IPv6 /64) as a keyed hash: what staff sessions are bound to. */
  addressKeyFor(req: AppRequest): string {
    const address = clientAddress(req.ip ?? req.socket.remoteAddress);
    return createHmac('sha256', this.config.fingerprintSecret)
      .update(`staff-address|${address}`)
      .digest('hex');
  }
}
