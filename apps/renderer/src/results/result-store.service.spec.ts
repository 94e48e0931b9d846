import { describe, expect, it } from 'vitest';
import type { RenderResult } from '#contracts';
import type { RendererConfig } from '../config/renderer.config.js';
import { ResultStore } from './result-store.service.js';

const store = (maxFrameBytes = 1024 * 1024) => new ResultStore({ maxFrameBytes } as RendererConfig);

function rendered(suggestionId: number, imageChars = 8): RenderResult {
  return {
    status: 'rendered',
    suggestionId,
    image: 'A'.repeat(imageChars),
    mime: 'image/png',
    seed: 1,
    info: {},
    backend: 'preview',
    startedAt: new Date(0).toISOString(),
    finishedAt: new Date(0).toISOString(),
  };
}

describe('ResultStore', () => {
  it('hands out starts and results until each is acknowledged, and counts only what it held', async () => {
    const results = store();
    results.addStarted({ suggestionId: 1, startedAt: 't' });
    results.addResult(rendered(1));
    expect(results.hasResult(1)).toBe(true);
    const reply = await results.take({ waitMs: 0, max: 10 });
    expect(reply.started).toEqual([{ suggestionId: 1, startedAt: 't' }]);
    expect(reply.results.map((r) => r.suggestionId)).toEqual([1]);
    expect(await results.take({ waitMs: 0, max: 10 })).toEqual(reply);
    expect(results.ack({ suggestionIds: [1, 2], started: [1, 3] })).toEqual({ acknowledged: 2 });
    expect(results.unacknowledged).toBe(0);
    expect(results.hasResult(1)).toBe(false);
    expect(await results.take({ waitMs: 0, max: 10 })).toEqual({ started: [], results: [] });
  });

  it('keeps a reply inside half a frame, but always carries at least one result', async () => {
    const results = store(1000);
    results.addResult(rendered(1, 300));
    results.addResult(rendered(2, 300));
    results.addResult(rendered(3, 900));
    expect((await results.take({ waitMs: 0, max: 10 })).results.map((r) => r.suggestionId)).toEqual([1]);
    results.ack({ suggestionIds: [1] });
    expect((await results.take({ waitMs: 0, max: 10 })).results.map((r) => r.suggestionId)).toEqual([2]);
    results.ack({ suggestionIds: [2] });
    // Bigger than the budget on its own: still delivered, alone.
    expect((await results.take({ waitMs: 0, max: 10 })).results.map((r) => r.suggestionId)).toEqual([3]);
  });

  it('a forgotten start (a cancelled job) is not handed out', async () => {
    const results = store();
    results.addStarted({ suggestionId: 5, startedAt: 't' });
    results.forgetStarted(5);
    expect((await results.take({ waitMs: 0, max: 10 })).started).toEqual([]);
  });

  it('a long poll waits for the first signal, and close() ends it at once', async () => {
    const results = store();
    const waiting = results.take({ waitMs: 10_000, max: 10 });
    setTimeout(() => results.addResult(rendered(7)), 10);
    expect((await waiting).results.map((r) => r.suggestionId)).toEqual([7]);
    results.ack({ suggestionIds: [7] });
    const started = Date.now();
    const closing = results.take({ waitMs: 10_000, max: 10 });
    results.close();
    expect(await closing).toEqual({ started: [], results: [] });
    expect(Date.now() - started).toBeLessThan(1000);
    // Once closed, nobody waits any more.
    expect(await results.take({ waitMs: 10_000, max: 10 })).toEqual({ started: [], results: [] });
  });
});
