import { networkInterfaces } from 'node:os';
import { Injectable } from '@nestjs/common';
import QRCode from 'qrcode';
import { GatewayConfig } from '../config/gateway.config.js';
import type { AppRequest } from '../common/app-request.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The address guests should open: PUBLIC_URL when set; otherwise the address the host used, except that
 * "localhost" is swapped for this machine's LAN address, since a phone cannot reach the host's localhost.
 */
@Injectable()
export class GuestLinkService {
  constructor(private readonly config: GatewayConfig) {}

  guestUrl(req: AppRequest): string {
    if (this.config.publicUrl) return `${this.config.publicUrl}/`;
    const port = req.socket.localPort ?? this.config.port;
    const hostname = req.hostname;
    const host = LOCAL_HOSTS.has(hostname) ? (lanAddress() ?? hostname) : hostname;
    return `${req.protocol}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/`;
  }

  qrSvg(url: string): Promise<string> {
    return QRCode.toString(url, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
      color: { dark: '#000000', light: '#ffffff' },
    });
  }
}

/** The first private IPv4 address of this machine (the server's own address, never a client's). */
function lanAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return null;
}
