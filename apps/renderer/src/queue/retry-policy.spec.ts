import { describe, expect, it } from 'vitest';
import { PROBE_CAP_MS, RETRY_CAP_MS, backoffDelay, decideRetry, probeDelay } from './retry-policy.js';

const settings = { maxAttempts: 4, baseMs: 1000 };

describe('decideRetry', () => {
  it.each(['timeout', 'reset', 'server'] as const)(
    'retries %s with exponential backoff until the last attempt',
    (kind) => {
      expect(decideRetry(kind, 1, settings)).toEqual({ action: 'retry', delayMs: 1000 });
      expect(decideRetry(kind, 2, settings)).toEqual({ action: 'retry', delayMs: 2000 });
      expect(decideRetry(kind, 3, settings)).toEqual({ action: 'retry', delayMs: 4000 });
      expect(decideRetry(kind, 4, settings)).toEqual({ action: 'fail' });
      expect(decideRetry(kind, 9, settings)).toEqual({ action: 'fail' });
    },
  );

  it.each(['rejected', 'invalid-output', 'cancelled'] as const)('fails %s at once', (kind) => {
    expect(decideRetry(kind, 1, settings)).toEqual({ action: 'fail' });
  });

  it.each(['unreachable', 'setup'] as const)(
    'waits for SD when it is %s, whatever the attempt count',
    (kind) => {
      expect(decideRetry(kind, 1, settings)).toEqual({ action: 'wait-for-sd' });
      expect(decideRetry(kind, 50, settings)).toEqual({ action: 'wait-for-sd' });
    },
  );

  it('fails after one attempt when only one is allowed', () => {
    expect(decideRetry('server', 1, { maxAttempts: 1, baseMs: 10 })).toEqual({ action: 'fail' });
  });
});

describe('backoff delays', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1000))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(10_000, 1000, RETRY_CAP_MS)).toBe(RETRY_CAP_MS);
  });

  it('caps probes lower than retries so a returning SD server is noticed quickly', () => {
    expect(probeDelay(1, 500)).toBe(500);
    expect(probeDelay(50, 500)).toBe(PROBE_CAP_MS);
    expect(PROBE_CAP_MS).toBeLessThan(RETRY_CAP_MS);
  });
});
