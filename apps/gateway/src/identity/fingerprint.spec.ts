import { describe, expect, it } from 'vitest';
import { anonymiseIp, clientAddress, fingerprintKey } from './fingerprint.js';

describe('anonymiseIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.64.56.255', '10.64.56.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['::ffff:cb00:714d', '203.0.113.0'],
    ['2001:db8:abcd:12:34:56:78:9a', '2001:db8:abcd:0:0:0:0:0'],
    ['2001:db8:abcd::1', '2001:db8:abcd:0:0:0:0:0'],
    ['2001:DB8:ABCD:FFFF::', '2001:db8:abcd:0:0:0:0:0'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:0'],
    ['::1', '0:0:0:0:0:0:0:0'],
    ['127.0.0.1', '127.0.0.0'],
  ])('%s → %s', (input, expected) => {
    expect(anonymiseIp(input)).toBe(expected);
  });

  it('keeps different /48 networks apart and merges within one', () => {
    expect(anonymiseIp('2001:db8:1::1')).not.toBe(anonymiseIp('2001:db8:2::1'));
    expect(anonymiseIp('2001:db8:1:ffff::1')).toBe(anonymiseIp('2001:db8:1:1::2'));
  });

  it('maps garbage and missing addresses to one placeholder', () => {
    expect(anonymiseIp(undefined)).toBe('unknown');
    expect(anonymiseIp('not-an-ip')).toBe('unknown');
    expect(anonymiseIp('999.1.1.1')).toBe('unknown');
  });
});

describe('clientAddress (what a staff session is bound to)', () => {
  it.each([
    ['203.0.113.77', '203.0.113.77'],
    ['::ffff:203.0.113.77', '203.0.113.77'],
    ['2001:db8:abcd:12:34:56:78:9a', '2001:db8:abcd:12:0:0:0:0'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd:12:0:0:0:0'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:0'],
    ['127.0.0.2', '127.0.0.2'],
  ])('%s → %s', (input, expected) => {
    expect(clientAddress(input)).toBe(expected);
  });

  it('tells apart two devices of one Wi-Fi (same /24) and two /64s of one /48', () => {
    expect(clientAddress('192.168.1.20')).not.toBe(clientAddress('192.168.1.21'));
    expect(clientAddress('2001:db8:1:1::1')).not.toBe(clientAddress('2001:db8:1:2::1'));
    expect(clientAddress('2001:db8:1:1::1')).toBe(clientAddress('2001:db8:1:1:ffff::9'));
    expect(clientAddress('not-an-ip')).toBe('unknown');
  });
});

describe('fingerprintKey', () => {
  const parts = { ip: '198.51.100.23', userAgent: 'Phone/1.0', acceptLanguage: 'en-GB' };

  it('is a keyed hash that contains none of its inputs', () => {
    const key = fingerprintKey('secret-a-0123456789', parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('198.51');
    expect(fingerprintKey('secret-b-0123456789', parts)).not.toBe(key);
  });

  it('is the same for two addresses in one /24 and differs by browser or language', () => {
    const key = fingerprintKey('s'.repeat(20), parts);
    expect(fingerprintKey('s'.repeat(20), { ...parts, ip: '198.51.100.200' })).toBe(key);
    expect(fingerprintKey('s'.repeat(20), { ...parts, userAgent: 'Phone/2.0' })).not.toBe(key);
    expect(fingerprintKey('s'.repeat(20), { ...parts, acceptLanguage: 'fr' })).not.toBe(key);
  });
});
