import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { ConfigError, loadGatewayConfig } from './gateway.config.js';

describe('loadGatewayConfig', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  const base = () => ({
    DATABASE_PATH: join(temp.dir, 'db', 'vernissage.sqlite'),
    RENDERER_TOKEN_FILE: join(temp.dir, 'db', 'renderer.token'),
  });

  it('has the documented defaults', () => {
    const config = loadGatewayConfig(base());
    expect(config.port).toBe(3000);
    expect(config.renderer).toMatchObject({ host: '127.0.0.1', port: 4001 });
    expect(config.trustProxy).toBe(false);
    expect(config.limits).toEqual({ maxPendingPerGuest: 5, submissionsPerMinute: 10 });
    expect(config.mail.passwordResetTtlS).toBe(600);
    expect(config.mail.inviteTtlS).toBe(172_800);
    expect(config.outputDir).toMatch(/output$/);
  });

  it('generates missing secrets once, keeps them beside the database, readable only by the owner', () => {
    const first = loadGatewayConfig(base());
    const second = loadGatewayConfig(base());
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.fingerprintSecret).not.toBe(first.sessionSecret);
    expect(second.sessionSecret).toBe(first.sessionSecret);
    expect(second.fingerprintSecret).toBe(first.fingerprintSecret);
    const file = join(temp.dir, 'db', 'session.secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.sessionSecret);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('reads several renderers from RENDERERS, else the one at RENDERER_HOST/RENDERER_PORT', () => {
    expect(loadGatewayConfig(base()).renderers).toEqual([{ host: '127.0.0.1', port: 4001 }]);
    expect(loadGatewayConfig({ ...base(), RENDERER_HOST: 'gpu', RENDERER_PORT: '4100' }).renderers).toEqual([
      { host: 'gpu', port: 4100 },
    ]);
    const config = loadGatewayConfig({
      ...base(),
      RENDERERS: 'gpu-a:4001, 10.0.0.7:4002,[::1]:4003',
      RENDERER_GRACE_MS: '1500',
    });
    expect(config.renderers).toEqual([
      { host: 'gpu-a', port: 4001 },
      { host: '10.0.0.7', port: 4002 },
      { host: '::1', port: 4003 },
    ]);
    expect(config.renderer).toMatchObject({ host: 'gpu-a', port: 4001 });
    expect(config.rendererGraceMs).toBe(1500);
    expect(loadGatewayConfig(base()).rendererGraceMs).toBe(20_000);
  });

  it('uses given secrets instead of generated ones', () => {
    const config = loadGatewayConfig({
      ...base(),
      SESSION_SECRET: 's'.repeat(32),
      RENDERER_TOKEN: 'r'.repeat(32),
    });
    expect(config.sessionSecret).toBe('s'.repeat(32));
    expect(config.renderer.token).toBe('r'.repeat(32));
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY: expected off, loopback/],
    [{ TRUST_PROXY: 'on' }, /TRUST_PROXY: name the proxy \(loopback, its address or CIDR\) instead of on/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY: name the proxy/],
    [{ PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL/],
    [{ SESSION_SECRET: 'short' }, /SESSION_SECRET: must be at least 16 characters/],
    [{ MAX_PENDING_PER_GUEST: '0' }, /MAX_PENDING_PER_GUEST/],
    [{ RENDERERS: 'gpu-a' }, /RENDERERS: "gpu-a" is not host:port/],
    [{ RENDERERS: 'gpu-a:4001,gpu-a:4001' }, /RENDERERS: lists gpu-a:4001 twice/],
    [{ RENDERERS: 'gpu-a:99999' }, /RENDERERS/],
    // Streams must beat well inside a proxy's idle timeout (nginx: 60 s).
    [{ EVENT_HEARTBEAT_S: '21' }, /EVENT_HEARTBEAT_S: must be a whole number from 1 to 20/],
    [{ MAX_EVENT_STREAMS: '0' }, /MAX_EVENT_STREAMS/],
  ])('stops with a message naming the bad value: %o', (env, message) => {
    expect(() => loadGatewayConfig({ ...base(), ...env })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ ...base(), ...env })).toThrow(message);
  });

  it('says what is wrong with a number in one line naming the variable', () => {
    expect(() => loadGatewayConfig({ ...base(), PORT: 'abc' })).toThrow(
      new ConfigError('Invalid configuration: PORT: must be a whole number from 0 to 65535.'),
    );
    expect(() => loadGatewayConfig({ ...base(), PORT: 'abc', INVITE_TTL_S: '-1' })).toThrow(
      /^Invalid configuration: PORT: [^\n]+; INVITE_TTL_S: must be a whole number from 1 to \d+\.$/,
    );
    // Empty means unset, as in a .env file with `PORT=`.
    expect(loadGatewayConfig({ ...base(), PORT: '' }).port).toBe(3000);
  });

  it('reads TRUST_PROXY as off or as the proxy’s own addresses', () => {
    expect(loadGatewayConfig({ ...base(), TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadGatewayConfig({ ...base(), TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
    expect(loadGatewayConfig({ ...base(), TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
    ]);
  });
});
