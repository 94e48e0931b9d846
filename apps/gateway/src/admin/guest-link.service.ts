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

  /**
   * Why other devices cannot open the guest link, or null when they can: bound to a loopback address with
   * no PUBLIC_URL (behind a proxy, PUBLIC_URL is what guests open, and loopback is the right bind).
   */
  unreachableWarning(): string | null {
    return guestLinkWarning(this.config);
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

export function guestLinkWarning(config: Pick<GatewayConfig, 'host' | 'publicUrl'>): string | null {
  if (config.publicUrl || !isLoopbackHost(config.host)) return null;
  return `HOST=${config.host} accepts connections from this machine only: phones cannot open the guest link or the QR code. Set HOST=0.0.0.0 (or PUBLIC_URL when a reverse proxy is in front).`;
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
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
