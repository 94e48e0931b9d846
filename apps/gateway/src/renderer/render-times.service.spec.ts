import { describe, expect, it } from 'vitest';
import type { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { remainingMs, RenderTimes } from './render-times.service.js';

const times = () => new RenderTimes({} as RenderOrderRepository);

describe('RenderTimes: measured time per worker and image size', () => {
  it('knows nothing at first, and says so', () => {
    const t = times();
    expect(t.measured).toBe(false);
    // A default, a few seconds for 512×512, so dispatch can start; never shown to guests as measured.
    expect(t.estimateMs('a/0', 512, 512)).toBeGreaterThan(1000);
    expect(t.imagesPerMinute('a/0')).toBeNull();
  });

  it('takes the first measurement as it is, then a running average per size', () => {
    const t = times();
    t.record('a/0', 512, 512, 2000);
    expect(t.measured).toBe(true);
    expect(t.estimateMs('a/0', 512, 512)).toBe(2000);
    t.record('a/0', 512, 512, 3000);
    expect(t.estimateMs('a/0', 512, 512)).toBeCloseTo(2300);
    expect(t.imagesPerMinute('a/0')).toBeCloseTo(60_000 / 2300);
  });

  it('scales a size the worker has not drawn by its time per pixel, and uses other workers for a new one', () => {
    const t = times();
    t.record('fast/0', 512, 512, 1000);
    t.record('slow/0', 512, 512, 3000);
    expect(t.estimateMs('fast/0', 1024, 1024)).toBeCloseTo(4000);
    expect(t.estimateMs('slow/0', 512, 1024)).toBeCloseTo(6000);
    // A worker with nothing measured: the others' average.
    expect(t.estimateMs('new/0', 512, 512)).toBeCloseTo(2000);
  });

  it('what is left of a running job: its ETA when SD gives one, else by its progress', () => {
    expect(remainingMs({ percent: 40, etaSeconds: 3 }, 10_000)).toBe(3000);
    expect(remainingMs({ percent: 40, etaSeconds: null }, 10_000)).toBe(6000);
    expect(remainingMs({ percent: 100, etaSeconds: null }, 10_000)).toBe(0);
  });
});
