import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDERER_MAX_FRAME_BYTES } from '#contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { RendererConfigError, parseRendererConfig } from './renderer.config.js';

const dir = mkdtempSync(join(tmpdir(), 'renderer-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const token = 'a-long-enough-test-token';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseRendererConfig(env);
  } catch (error) {
    if (error instanceof RendererConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseRendererConfig', () => {
  it('applies the documented defaults: loopback, port 4001, preview backend', () => {
    expect(parseRendererConfig({ RENDERER_TOKEN: token })).toEqual({
      host: '127.0.0.1',
      port: 4001,
      token,
      maxFrameBytes: RENDERER_MAX_FRAME_BYTES,
      authTimeoutMs: 5000,
      maxConnections: 64,
      sdUrl: null,
      sdAuth: null,
      sdConnectTimeoutMs: 5000,
      sdReadTimeoutMs: 600_000,
      renderMaxAttempts: 4,
      renderRetryBaseMs: 1000,
      progressIntervalMs: 500,
      tls: null,
    });
  });

  it('refuses a port that is not a number in one line naming the variable', () => {
    expect(() => parseRendererConfig({ RENDERER_TOKEN: token, RENDERER_PORT: 'abc' })).toThrow(
      new RendererConfigError(['RENDERER_PORT must be a whole number between 0 and 65535']),
    );
    expect(new RendererConfigError(['A', 'B']).message).toBe('Invalid renderer configuration: A; B.');
  });

  it('reads SD settings; a password may contain a colon', () => {
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      RENDERER_PORT: '0',
      SD_URL: 'http://gpu.local:7860/',
      SD_AUTH: 'party:pa:ss',
      SD_CONNECT_TIMEOUT_MS: '250',
      RENDER_MAX_ATTEMPTS: '2',
    });
    expect(config).toMatchObject({
      port: 0,
      sdUrl: 'http://gpu.local:7860',
      sdAuth: { username: 'party', password: 'pa:ss' },
      sdConnectTimeoutMs: 250,
      renderMaxAttempts: 2,
    });
  });

  it('creates the shared token file when no token is configured, then reuses it', () => {
    const file = join(dir, 'db', 'renderer.token');
    const first = parseRendererConfig({ RENDERER_TOKEN_FILE: file });
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(parseRendererConfig({ RENDERER_TOKEN_FILE: file }).token).toBe(first.token);
  });

  it('refuses bad values, naming every variable at fault', () => {
    const problems = problemsOf({
      RENDERER_TOKEN: token,
      RENDERER_PORT: 'eighty',
      SD_URL: 'ftp://gpu',
      RENDER_MAX_ATTEMPTS: '0',
      SD_READ_TIMEOUT_MS: '1.5',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'RENDERER_PORT',
      'RENDER_MAX_ATTEMPTS',
      'SD_READ_TIMEOUT_MS',
      'SD_URL',
    ]);
  });

  it('never echoes a secret in its complaints', () => {
    const problems = problemsOf({ RENDERER_TOKEN: 'short-secret', SD_AUTH: 'nocolon' });
    expect(problems.join('\n')).toContain('RENDERER_TOKEN');
    expect(problems.join('\n')).toContain('SD_AUTH');
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.join('\n')).not.toContain('nocolon');
  });

  it('needs both TLS files, and reads them', () => {
    expect(problemsOf({ RENDERER_TOKEN: token, RENDERER_TLS_CERT: '/nope.pem' })[0]).toMatch(
      /^RENDERER_TLS_CERT and RENDERER_TLS_KEY/,
    );
    expect(
      problemsOf({
        RENDERER_TOKEN: token,
        RENDERER_TLS_CERT: '/nope/cert.pem',
        RENDERER_TLS_KEY: '/nope/key.pem',
      }),
    ).toEqual([
      expect.stringMatching(/^RENDERER_TLS_CERT cannot be read: ENOENT/),
      expect.stringMatching(/^RENDERER_TLS_KEY cannot be read: ENOENT/),
    ]);
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      RENDERER_TLS_CERT: join(dir, 'cert.pem'),
      RENDERER_TLS_KEY: join(dir, 'key.pem'),
    });
    expect(config.tls).toEqual({ cert: 'CERT', key: 'KEY' });
  });
});
