import ipaddr from 'ipaddr.js';

/**
 * Pure checks for the picture-URL fetcher: which URLs and which resolved addresses we may connect to.
 * Only globally routable unicast addresses pass; everything that could reach this machine, the local
 * network or a cloud metadata service is refused, including the IPv6 spellings that embed an IPv4 address.
 */

export const ADDRESS_NOT_ALLOWED = 'That address is not allowed';

/** ipaddr.js range names that are never fetched. */
const BLOCKED_V4 = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'as112',
  'amt',
]);
const BLOCKED_V6 = new Set([
  'unspecified',
  'linkLocal',
  'multicast',
  'loopback',
  'uniqueLocal',
  'reserved',
  'benchmarking',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'as112v6',
  'amt',
  'discard',
]);
/** IPv6 forms that carry an IPv4 address we must judge instead. */
const EMBEDS_V4 = new Set(['ipv4Mapped', 'rfc6052', '6to4', 'teredo']);

/** Whether a literal IP address (v4 or v6, any spelling ipaddr.js accepts) may be connected to. */
export function isAllowedAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv4') return isAllowedV4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  if (EMBEDS_V4.has(range)) {
    const embedded = embeddedV4(v6, range);
    return embedded !== null && isAllowedV4(embedded);
  }
  if (BLOCKED_V6.has(range)) return false;
  // IPv4-compatible (::a.b.c.d, deprecated) and anything else outside global unicast 2000::/3.
  return v6.match(ipaddr.IPv6.parse('2000::'), 3);
}

function isAllowedV4(address: ipaddr.IPv4): boolean {
  if (BLOCKED_V4.has(address.range())) return false;
  // 0.0.0.0/8 ("this network") beyond 0.0.0.0 itself, and the benchmarking range.
  if (address.octets[0] === 0) return false;
  return !address.match(ipaddr.IPv4.parse('198.18.0.0'), 15);
}

function embeddedV4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const fromBytes = (offset: number): ipaddr.IPv4 => new ipaddr.IPv4(bytes.slice(offset, offset + 4));
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6052':
      return fromBytes(12);
    case '6to4':
      return fromBytes(2);
    case 'teredo':
      // The client's address is stored inverted in the last 32 bits.
      return new ipaddr.IPv4(bytes.slice(12, 16).map((byte) => byte ^ 0xff));
    default:
      return null;
  }
}

/**
 * Parses a picture URL and checks its scheme; returns the URL or null when the scheme is not http(s) or
 * it carries credentials (which would be sent to a stranger's server).
 */
export function parseFetchableUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  if (!url.hostname) return null;
  return url;
}

/** The host name of a URL without IPv6 brackets, as dns.lookup and net.isIP expect it. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
