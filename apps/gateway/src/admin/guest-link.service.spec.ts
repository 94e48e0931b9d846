import { describe, expect, it } from 'vitest';
import { guestLinkWarning } from './guest-link.service.js';

describe('guestLinkWarning', () => {
  it('warns when the gateway listens on loopback only and no PUBLIC_URL tells guests where to go', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(guestLinkWarning({ host, publicUrl: undefined }), host).toMatch(
        new RegExp(`^HOST=${host.replace(/[[\]]/g, '\\$&')} accepts connections from this machine only`),
      );
    }
  });

  it('is quiet on all interfaces, on a LAN address, and behind a proxy (PUBLIC_URL)', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      expect(guestLinkWarning({ host, publicUrl: undefined }), host).toBeNull();
    }
    expect(guestLinkWarning({ host: '127.0.0.1', publicUrl: 'https://party.example.org' })).toBeNull();
  });
});
