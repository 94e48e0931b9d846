import { describe, expect, it } from 'vitest';
import type { AppRequest } from '../common/app-request.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { LockoutService, LoginLockedException } from './lockout.service.js';
import type { LoginFailuresRepository } from './login-failures.repository.js';

const config = { fingerprintSecret: 'a test secret of some length' } as GatewayConfig;
const service = new LockoutService({} as LoginFailuresRepository, config);
const from = (ip: string) => ({ ip, socket: {} }) as unknown as AppRequest;

describe('LockoutService subjects', () => {
  it('keys an address by its anonymised form (/24, /48), as a keyed hash that contains no address', () => {
    const subject = service.addressSubject(from('192.168.17.42'));
    expect(subject).toMatch(/^ip:[0-9a-f]{64}$/);
    expect(subject).not.toContain('192.168');
    expect(service.addressSubject(from('192.168.17.200'))).toBe(subject);
    expect(service.addressSubject(from('::ffff:192.168.17.9'))).toBe(subject);
    expect(service.addressSubject(from('192.168.18.42'))).not.toBe(subject);
    expect(service.addressSubject(from('2001:db8:1:2::1'))).toBe(
      service.addressSubject(from('2001:db8:1:ff::9')),
    );
    expect(service.addressSubject(from('2001:db8:1::1'))).not.toBe(
      service.addressSubject(from('2001:db8:2::1')),
    );
  });

  it('depends on the server secret, so the hash cannot be recomputed from a list of addresses', () => {
    const other = new LockoutService(
      {} as LoginFailuresRepository,
      {
        fingerprintSecret: 'another secret entirely',
      } as GatewayConfig,
    );
    expect(other.addressSubject(from('10.0.0.1'))).not.toBe(service.addressSubject(from('10.0.0.1')));
  });

  it('names an account by id, and a name without an account by a keyed hash that ignores case and spaces', () => {
    expect(service.accountSubject(7, 'whoever')).toBe('account:7');
    const ghost = service.accountSubject(null, ' Ghost@Example.org ');
    expect(ghost).toMatch(/^name:[0-9a-f]{64}$/);
    expect(ghost).not.toContain('ghost');
    expect(service.accountSubject(null, 'ghost@example.org')).toBe(ghost);
  });

  it('says how long the lock lasts, in whole minutes', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(new LoginLockedException(new Date('2026-11-23T12:15:00Z'), now).message).toBe(
      'Too many failed logins. Try again in 15 minutes.',
    );
    expect(new LoginLockedException(new Date('2026-11-23T12:00:20Z'), now).message).toBe(
      'Too many failed logins. Try again in 1 minute.',
    );
    expect(new LoginLockedException(new Date('2026-11-23T12:00:20Z'), now).getStatus()).toBe(429);
  });
});
