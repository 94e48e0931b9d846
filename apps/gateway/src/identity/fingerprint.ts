import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * Coarsens a client address before it is hashed, so the stored key never pins down one device on a
 * network: IPv4 keeps its /24, IPv6 its /48.
 */
export function anonymiseIp(raw: string | undefined): string {
  return coarsen(raw, 24, 48);
}

/**
 * One client's address as staff sessions are bound to it: the whole IPv4 address, or the IPv6 /64 (one
 * interface's network; the rest changes with privacy extensions). Only ever kept as a keyed hash.
 */
export function clientAddress(raw: string | undefined): string {
  return coarsen(raw, 32, 64);
}

/**
 * The address with only its first bits kept (whole octets and groups). IPv4-mapped IPv6 (::ffff:1.2.3.4,
 * as Node reports IPv4 clients on a dual-stack socket) is treated as the IPv4 address it carries.
 */
function coarsen(raw: string | undefined, ipv4Bits: number, ipv6Bits: number): string {
  if (!raw) return 'unknown';
  const zoneless = raw.trim().replace(/%.*$/, '');
  if (!ipaddr.isValid(zoneless)) return 'unknown';
  let address = ipaddr.parse(zoneless);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  if (address.kind() === 'ipv4') {
    const octets = (address as ipaddr.IPv4).octets.map((octet, i) => (i < ipv4Bits / 8 ? octet : 0));
    return octets.join('.');
  }
  const parts = (address as ipaddr.IPv6).parts.map((part, i) => (i < ipv6Bits / 16 ? part : 0));
  return new ipaddr.IPv6(parts).toNormalizedString();
}

export interface FingerprintParts {
  ip: string | undefined;
  userAgent: string | undefined;
  acceptLanguage: string | undefined;
}

/** The only form in which a fingerprint is kept: an HMAC-SHA256 under a server secret, hex. */
export function fingerprintKey(secret: string, parts: FingerprintParts): string {
  const material = [
    anonymiseIp(parts.ip),
    (parts.userAgent ?? '').slice(0, 512),
    (parts.acceptLanguage ?? '').slice(0, 256),
  ].join('|');
  return createHmac('sha256', secret).update(material).digest('hex');
}
