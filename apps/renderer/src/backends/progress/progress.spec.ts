import { describe, expect, it } from 'vitest';
import { EtaEstimator } from './eta-estimator.js';
import { PollInterval } from './poll-interval.js';

describe('EtaEstimator', () => {
  it('has no ETA until progress moves, then extrapolates the observed rate', () => {
    const eta = new EtaEstimator();
    expect(eta.feed(0, 0)).toBeNull();
    // A model loading: progress sits at its first reading; no rate, no made-up ETA.
    expect(eta.feed(0.1, 1_000)).toBeNull();
    expect(eta.feed(0.1, 30_000)).toBeNull();
    // 0.1 → 0.3 in 2 s: 0.7 left at 0.1/s.
    expect(eta.feed(0.3, 32_000)).toBe(7);
    expect(eta.feed(1, 40_000)).toBe(0);
  });
});

describe('PollInterval', () => {
  it('polls at the base rate while figures change and backs off (bounded) while they do not', () => {
    const interval = new PollInterval(100);
    expect(interval.next('a')).toBe(100);
    expect(interval.next('a')).toBe(200);
    expect(interval.next('a')).toBe(400);
    expect(interval.next('a')).toBe(800);
    expect(interval.next('a')).toBe(800);
    expect(interval.next('b')).toBe(100);
    const slow = new PollInterval(1_000);
    for (let i = 0; i < 10; i++) slow.next('same');
    expect(slow.next('same')).toBe(5_000);
  });
});
