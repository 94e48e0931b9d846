import { describe, expect, it } from 'vitest';
import { hostOf, isAllowedAddress, parseFetchableUrl } from './address-check.js';

// Pure checks: nothing here resolves a name or opens a connection.
describe('isAllowedAddress', () => {
  it.each([
    ['10.0.0.1'],
    ['10.255.255.255'],
    ['172.16.0.1'],
    ['172.31.255.254'],
    ['192.168.1.1'],
    ['100.64.0.1'],
    ['100.127.255.254'],
    ['169.254.0.1'],
    ['169.254.169.254'],
    ['127.0.0.1'],
    ['127.1.2.3'],
    ['0.0.0.0'],
    ['0.1.2.3'],
    ['255.255.255.255'],
    ['224.0.0.1'],
    ['240.0.0.1'],
    ['198.18.0.1'],
    ['::'],
    ['::1'],
    ['[::1]'],
    ['fc00::1'],
    ['fd00:ec2::254'],
    ['fe80::1'],
    ['fe80::1%eth0'],
    ['ff02::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:7f00:1'],
    ['::ffff:10.0.0.1'],
    ['::ffff:169.254.169.254'],
    ['64:ff9b::169.254.169.254'],
    ['64:ff9b::7f00:1'],
    ['2002:7f00:1::'],
    ['::127.0.0.1'],
    ['not an address'],
    [''],
  ])('refuses %s', (address) => {
    expect(isAllowedAddress(address)).toBe(false);
  });

  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['2606:2800:220:1:248:1893:25c8:1946'],
    ['::ffff:93.184.216.34'],
    ['64:ff9b::5db8:d822'],
  ])('allows the public address %s', (address) => {
    expect(isAllowedAddress(address)).toBe(true);
  });
});

describe('parseFetchableUrl', () => {
  it.each([
    ['file:///etc/passwd'],
    ['ftp://example.com/a.png'],
    ['gopher://example.com/'],
    ['data:image/png;base64,AAAA'],
    ['javascript:alert(1)'],
    ['http://user:secret@example.com/a.png'],
    ['not a url'],
    [''],
  ])('refuses %s', (raw) => {
    expect(parseFetchableUrl(raw)).toBeNull();
  });

  it('accepts http and https and normalises numeric hosts the way a connection would', () => {
    expect(parseFetchableUrl('https://example.com/a.png')?.href).toBe('https://example.com/a.png');
    expect(hostOf(parseFetchableUrl('http://127.1:8080/x')!)).toBe('127.0.0.1');
    expect(hostOf(parseFetchableUrl('http://2130706433/x')!)).toBe('127.0.0.1');
    expect(hostOf(parseFetchableUrl('http://0x7f.1/x')!)).toBe('127.0.0.1');
    expect(hostOf(parseFetchableUrl('http://[::1]:80/x')!)).toBe('::1');
  });
});
