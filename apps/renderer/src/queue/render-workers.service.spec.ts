import { Logger } from '@nestjs/common';
import { DEFAULT_GENERATION_SETTINGS, type RenderJob } from '#contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RenderBackend, RenderedImage, SdCatalog } from '../backends/render-backend.js';
import { SdFailure } from '../backends/sd-failure.js';
import type { RendererConfig } from '../config/renderer.config.js';
import { ResultStore } from '../results/result-store.service.js';
import { RenderWorkers } from './render-workers.service.js';

/** An SD server the test drives by hand: each render waits until the test finishes it. */
class ManualServer implements RenderBackend {
  readonly name = 'a1111' as const;
  readonly renders: { id: number; finish: () => void }[] = [];
  reachable = true;

  constructor(readonly description: string) {}

  render(job: RenderJob, signal: AbortSignal): Promise<RenderedImage> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new SdFailure('cancelled', 'aborted')), { once: true });
      this.renders.push({
        id: job.suggestionId,
        finish: () => resolve({ image: 'iVBORw0KGgo=', mime: 'image/png', seed: 1, info: {} }),
      });
      if (!this.reachable) reject(new SdFailure('unreachable', 'connection refused'));
    });
  }

  async health(): Promise<void> {
    if (!this.reachable) throw new SdFailure('unreachable', 'connection refused');
  }

  async catalog(): Promise<SdCatalog> {
    return { models: [], samplers: [], schedulers: [] };
  }
}

const config = {
  maxFrameBytes: 1024 * 1024,
  renderMaxAttempts: 3,
  renderRetryBaseMs: 5,
  progressIntervalMs: 20,
} as RendererConfig;

const job = (suggestionId: number): RenderJob => ({
  suggestionId,
  prompt: `prompt ${suggestionId}`,
  width: 512,
  height: 512,
  settings: { ...DEFAULT_GENERATION_SETTINGS },
  colourHex: '#ff7f50',
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('RenderWorkers: one worker per SD server', () => {
  let workers: RenderWorkers | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => workers?.beforeApplicationShutdown());

  function setUp(count: number) {
    const servers = Array.from({ length: count }, (_, i) => new ManualServer(`server ${i + 1}`));
    const store = new ResultStore(config);
    workers = new RenderWorkers(servers, config, store);
    return { servers, store, workers };
  }

  it('renders on the named worker, each server one job at a time, and says which worker did it', async () => {
    const { servers, store, workers } = setUp(2);
    workers.enqueue([job(1), job(2)], 0);
    workers.enqueue([job(3)], 1);
    await until(() => servers[0].renders.length === 1 && servers[1].renders.length === 1, 'both busy');
    expect(servers[0].renders.map((r) => r.id)).toEqual([1]);
    expect(servers[1].renders.map((r) => r.id)).toEqual([3]);
    const status = workers.status();
    expect(status.workers.map((w) => [w.index, w.current?.suggestionId, w.queuedIds])).toEqual([
      [0, 1, [2]],
      [1, 3, []],
    ]);
    expect(status).toMatchObject({ queueLength: 1, paused: false, waitingForSd: false });
    servers[1].renders[0].finish();
    const { started } = await store.take({ waitMs: 1000, max: 10 });
    expect(started.map((s) => [s.suggestionId, s.worker])).toEqual(
      expect.arrayContaining([
        [1, 0],
        [3, 1],
      ]),
    );
    await until(() => store.unacknowledged === 1, 'a result');
    expect((await store.take({ waitMs: 0, max: 10 })).results).toMatchObject([
      { suggestionId: 3, worker: 1 },
    ]);
  });

  it('is idempotent across workers, refuses an unknown worker, and spreads unnamed jobs by load', async () => {
    const { servers, workers } = setUp(2);
    workers.enqueue([job(1)], 0);
    expect(workers.enqueue([job(1)], 1)).toEqual({ accepted: [1] });
    expect(workers.enqueue([job(9)], 5)).toEqual({ accepted: [] });
    workers.enqueue([job(2), job(3), job(4)]);
    await until(() => servers[1].renders.length === 1, 'the second server busy');
    // Worker 0 held one job, so the next went to worker 1, then they alternate.
    expect(workers.status().workers.map((w) => w.queueLength + (w.current ? 1 : 0))).toEqual([2, 2]);
    expect(servers[1].renders.map((r) => r.id)).toEqual([2]);
    expect(servers[0].renders.map((r) => r.id)).toEqual([1]);
  });

  it('pauses one worker while the other carries on, and cancels a job wherever it is', async () => {
    const { servers, workers } = setUp(2);
    workers.pause({ worker: 0 });
    workers.enqueue([job(1)], 0);
    workers.enqueue([job(2)], 1);
    await until(() => servers[1].renders.length === 1, 'the second server busy');
    expect(servers[0].renders).toEqual([]);
    expect(workers.status().workers.map((w) => w.paused)).toEqual([true, false]);
    expect(workers.status().paused).toBe(false);
    expect(workers.cancel(1)).toEqual({ cancelled: true });
    expect(workers.cancel(2)).toEqual({ cancelled: true });
    expect(workers.cancel(2)).toEqual({ cancelled: false });
    workers.resume({});
    expect(workers.status().workers.map((w) => w.paused)).toEqual([false, false]);
  });

  it('one SD server down: its worker waits for it, the other renders, and the renderer is not waiting', async () => {
    const { servers, workers } = setUp(2);
    servers[0].reachable = false;
    workers.enqueue([job(1)], 0);
    workers.enqueue([job(2)], 1);
    await until(() => workers.status().workers[0].waitingForSd, 'worker 0 waiting for SD');
    expect(workers.status()).toMatchObject({ waitingForSd: false, queueLength: 1 });
    servers[1].renders[0].finish();
    servers[0].reachable = true;
    await until(() => servers[0].renders.length === 2, 'worker 0 trying again once SD answers');
  });
});
