import { Logger } from '@nestjs/common';
import { DEFAULT_GENERATION_SETTINGS, type RenderJob } from '#contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RendererConfig } from '../config/renderer.config.js';
import type { RenderBackend, RenderedImage, SdCatalog, SdProgress } from '../backends/render-backend.js';
import { SdFailure } from '../backends/sd-failure.js';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { JobRunner } from './job-runner.service.js';
import { RenderQueue } from './render-queue.service.js';

interface PendingRender {
  job: RenderJob;
  signal: AbortSignal;
  resolve(image?: Partial<RenderedImage>): void;
  reject(error: unknown): void;
}

/** A backend the test drives by hand: every render waits until the test resolves or rejects it. */
class ManualBackend implements RenderBackend {
  readonly name = 'a1111' as const;
  readonly description = 'manual test backend';
  readonly renders: PendingRender[] = [];
  inFlight = 0;
  maxInFlight = 0;
  healthy = true;
  healthCalls = 0;
  progressReply: SdProgress | null = null;

  render(job: RenderJob, signal: AbortSignal, onProgress: (p: SdProgress) => void): Promise<RenderedImage> {
    if (this.progressReply) onProgress(this.progressReply);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<RenderedImage>((resolve, reject) => {
      const settle = () => this.inFlight--;
      signal.addEventListener('abort', () => reject(new SdFailure('cancelled', 'aborted')), { once: true });
      this.renders.push({
        job,
        signal,
        resolve: (image) => {
          settle();
          resolve({ image: 'iVBORw0KGgo=', mime: 'image/png', seed: 42, info: { seed: 42 }, ...image });
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
    });
  }

  async health(): Promise<void> {
    this.healthCalls++;
    if (!this.healthy)
      throw new SdFailure('unreachable', 'Stable Diffusion is unreachable (connection refused)');
  }

  async catalog(): Promise<SdCatalog> {
    return { models: [], samplers: [], schedulers: [] };
  }

  renderedIds(): number[] {
    return this.renders.map((r) => r.job.suggestionId);
  }
}

const config: RendererConfig = {
  host: '127.0.0.1',
  port: 0,
  token: 'test-token-0123456789',
  maxFrameBytes: 1024 * 1024,
  sdUrl: 'http://sd.invalid',
  sdBackend: 'a1111',
  sdFlavour: 'auto',
  sdShared: false,
  sdModelMismatch: 'fail',
  comfyWorkflows: { txt2img: null, img2img: null },
  sdAuth: null,
  sdConnectTimeoutMs: 100,
  sdReadTimeoutMs: 1000,
  renderMaxAttempts: 3,
  renderRetryBaseMs: 5,
  progressIntervalMs: 20,
  tls: null,
  workers: [{ backend: 'a1111', url: 'http://sd.invalid', flavour: 'auto' }],
};

function job(suggestionId: number, overrides: Partial<RenderJob> = {}): RenderJob {
  return {
    suggestionId,
    prompt: `prompt ${suggestionId}`,
    width: 512,
    height: 512,
    settings: { ...DEFAULT_GENERATION_SETTINGS },
    colourHex: '#ff7f50',
    ...overrides,
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The queue with its real runner, SD health and result store around a hand-driven backend. */
describe('RenderQueue with JobRunner, SdHealth and ResultStore', () => {
  let backend: ManualBackend;
  let queue: RenderQueue;
  let store: ResultStore;

  beforeAll(() => Logger.overrideLogger(false));

  function setUp(overrides: Partial<RendererConfig> = {}) {
    backend = new ManualBackend();
    const settings = { ...config, ...overrides };
    store = new ResultStore(settings);
    const health = new SdHealth(backend, settings);
    queue = new RenderQueue(backend, new JobRunner(backend, settings, health, store), health, store);
  }

  afterEach(async () => {
    for (const pending of backend.renders) pending.resolve();
    await queue.beforeApplicationShutdown();
  });

  it('renders in FIFO order, one job at a time', async () => {
    setUp();
    queue.enqueue([job(3), job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first render');
    expect(backend.renderedIds()).toEqual([3]);
    expect(queue.status().current?.suggestionId).toBe(3);
    expect(queue.status().queuedIds).toEqual([1, 2]);
    backend.renders[0]!.resolve();
    await waitFor(() => backend.renders.length === 2, 'second render');
    backend.renders[1]!.resolve();
    await waitFor(() => backend.renders.length === 3, 'third render');
    backend.renders[2]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 3, 'three results');
    expect(backend.renderedIds()).toEqual([3, 1, 2]);
    expect(backend.maxInFlight).toBe(1);
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results.map((r) => r.suggestionId)).toEqual([3, 1, 2]);
  });

  it('accepts a job again without duplicating it while queued, rendering or holding a result', async () => {
    setUp();
    expect(queue.enqueue([job(1), job(2), job(2)])).toEqual({ accepted: [1, 2, 2] });
    await waitFor(() => backend.renders.length === 1, 'first render');
    // 1 is rendering, 2 is queued.
    expect(queue.enqueue([job(1), job(2)])).toEqual({ accepted: [1, 2] });
    expect(queue.status().queueLength).toBe(1);
    backend.renders[0]!.resolve();
    await waitFor(() => backend.renders.length === 2, 'second render');
    // 1 now holds a result.
    queue.enqueue([job(1)]);
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 2, 'two results');
    expect(backend.renderedIds()).toEqual([1, 2]);
    expect(queue.status().queueLength).toBe(0);

    // Once acknowledged, the renderer has forgotten the id: a new enqueue is a new job.
    store.ack({ suggestionIds: [1] });
    queue.enqueue([job(1)]);
    await waitFor(() => backend.renders.length === 3, 're-render after ack');
    expect(backend.renderedIds()).toEqual([1, 2, 1]);
  });

  it('cancels a job that has not started, and never renders it', async () => {
    setUp();
    queue.enqueue([job(1), job(2), job(3)]);
    await waitFor(() => backend.renders.length === 1, 'first render');
    expect(queue.cancel(2)).toEqual({ cancelled: true });
    expect(queue.cancel(2)).toEqual({ cancelled: false });
    expect(queue.cancel(99)).toEqual({ cancelled: false });
    expect(queue.status().queuedIds).toEqual([3]);
    backend.renders[0]!.resolve();
    await waitFor(() => backend.renders.length === 2, 'next render');
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 2, 'results');
    expect(backend.renderedIds()).toEqual([1, 3]);
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results.map((r) => r.suggestionId)).toEqual([1, 3]);
  });

  it('aborts the backend call (which stops it on SD) and drops the result when the job rendering now is cancelled', async () => {
    setUp();
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first render');
    expect(queue.cancel(1)).toEqual({ cancelled: true });
    expect(backend.renders[0]!.signal.aborted).toBe(true);
    await waitFor(() => backend.renders.length === 2, 'next job starts');
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 1, 'one result');
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results.map((r) => r.suggestionId)).toEqual([2]);
  });

  it('starts nothing while paused and carries on after resume; the current job finishes', async () => {
    setUp();
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first render');
    expect(queue.pause()).toEqual({ paused: true });
    backend.renders[0]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 1, 'current job finished');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(backend.renders).toHaveLength(1);
    expect(queue.status()).toMatchObject({ paused: true, queueLength: 1, current: null });
    expect(queue.resume()).toEqual({ paused: false });
    await waitFor(() => backend.renders.length === 2, 'render after resume');
    expect(backend.renderedIds()).toEqual([1, 2]);
  });

  it('keeps results until they are acknowledged', async () => {
    setUp();
    queue.enqueue([job(7)]);
    await waitFor(() => backend.renders.length === 1, 'render');
    backend.renders[0]!.resolve({ seed: 1234 });
    await waitFor(() => queue.status().unacknowledgedResults > 0, 'a result');
    const first = await store.take({ waitMs: 0, max: 10 });
    const second = await store.take({ waitMs: 0, max: 10 });
    expect(first.results).toHaveLength(1);
    expect(first.results[0]).toMatchObject({
      status: 'rendered',
      suggestionId: 7,
      seed: 1234,
      backend: 'a1111',
    });
    expect(second.results).toEqual(first.results);
    expect(store.ack({ suggestionIds: [7, 8] })).toEqual({ acknowledged: 1 });
    expect(store.ack({ suggestionIds: [7] })).toEqual({ acknowledged: 0 });
    expect((await store.take({ waitMs: 0, max: 10 })).results).toEqual([]);
  });

  it('wakes a waiting long poll as soon as a result exists, and times out empty otherwise', async () => {
    setUp();
    const started = Date.now();
    const empty = await store.take({ waitMs: 60, max: 10 });
    expect(empty.results).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);

    queue.enqueue([job(5)]);
    await waitFor(() => backend.renders.length === 1, 'render');
    // The start signal is acknowledged, so the poll below waits for the result itself.
    store.ack({ suggestionIds: [], started: [5] });
    const poll = store.take({ waitMs: 10_000, max: 10 });
    const pollStarted = Date.now();
    setTimeout(() => backend.renders[0]!.resolve(), 20);
    const { results } = await poll;
    expect(results.map((r) => r.suggestionId)).toEqual([5]);
    expect(Date.now() - pollStarted).toBeLessThan(1000);
  });

  it('limits a results reply to `max`', async () => {
    setUp();
    queue.enqueue([job(1), job(2), job(3)]);
    for (let i = 0; i < 3; i++) {
      await waitFor(() => backend.renders.length === i + 1, `render ${i}`);
      backend.renders[i]!.resolve();
    }
    await waitFor(() => queue.status().unacknowledgedResults === 3, 'results');
    expect((await store.take({ waitMs: 0, max: 2 })).results.map((r) => r.suggestionId)).toEqual([1, 2]);
  });

  it('fails a rejected job at once with its reason, and the next job still renders', async () => {
    setUp();
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first render');
    backend.renders[0]!.reject(
      new SdFailure('rejected', 'Stable Diffusion rejected the request (422): width: bad', 422),
    );
    await waitFor(() => backend.renders.length === 2, 'second render');
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 2, 'two results');
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results[0]).toMatchObject({
      status: 'failed',
      suggestionId: 1,
      attempts: 1,
      reason: 'Stable Diffusion rejected the request (422): width: bad',
    });
    expect(results[1]).toMatchObject({ status: 'rendered', suggestionId: 2 });
  });

  it('retries server errors with backoff, then succeeds', async () => {
    setUp();
    queue.enqueue([job(1)]);
    await waitFor(() => backend.renders.length === 1, 'first attempt');
    backend.renders[0]!.reject(
      new SdFailure('server', 'Stable Diffusion ran out of memory (CUDA out of memory)', 500),
    );
    await waitFor(() => backend.renders.length === 2, 'second attempt');
    expect(queue.status().current).toMatchObject({ suggestionId: 1, attempt: 2 });
    expect(queue.status().sdError).toContain('out of memory');
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults > 0, 'a result');
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'rendered', suggestionId: 1 });
    expect(queue.status().sdError).toBeNull();
  });

  it('fails a job after the last attempt of timeouts and says why', async () => {
    setUp({ renderMaxAttempts: 2 });
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first attempt');
    backend.renders[0]!.reject(
      new SdFailure('timeout', 'Stable Diffusion did not answer within 1 s (read timeout)'),
    );
    await waitFor(() => backend.renders.length === 2, 'second attempt');
    backend.renders[1]!.reject(
      new SdFailure('timeout', 'Stable Diffusion did not answer within 1 s (read timeout)'),
    );
    await waitFor(() => backend.renders.length === 3, 'next job');
    expect(backend.renders[2]!.job.suggestionId).toBe(2);
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results[0]).toMatchObject({
      status: 'failed',
      suggestionId: 1,
      attempts: 2,
      reason: 'Stable Diffusion did not answer within 1 s (read timeout) (gave up after 2 attempts)',
    });
  });

  it('waits for an unreachable SD without spending attempts, then resumes by itself', async () => {
    setUp({ renderMaxAttempts: 1 });
    backend.healthy = false;
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first attempt');
    backend.renders[0]!.reject(
      new SdFailure('unreachable', 'Stable Diffusion is unreachable (connection refused)'),
    );
    await waitFor(() => queue.status().waitingForSd, 'waitingForSd');
    expect(queue.status()).toMatchObject({
      waitingForSd: true,
      sdReachable: false,
      current: null,
      queueLength: 2,
      queuedIds: [1, 2],
    });
    await waitFor(() => backend.healthCalls >= 2, 'probes');
    expect(backend.renders).toHaveLength(1);
    backend.healthy = true;
    await waitFor(() => backend.renders.length === 2, 'retry once SD answers');
    // With only one attempt allowed, a counted refusal would have failed the job instead.
    expect(backend.renders[1]!.job.suggestionId).toBe(1);
    expect(queue.status()).toMatchObject({
      waitingForSd: false,
      sdReachable: true,
      current: { suggestionId: 1, attempt: 1 },
    });
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults > 0, 'a result');
    const { results } = await store.take({ waitMs: 0, max: 10 });
    expect(results[0]).toMatchObject({ status: 'rendered', suggestionId: 1 });
  });

  it('reports the progress, ETA and phase the backend gives while SD renders', async () => {
    setUp();
    backend.progressReply = { percent: 42, etaSeconds: 3.5, phase: 'rendering' };
    queue.enqueue([job(1)]);
    await waitFor(() => queue.status().current?.percent === 42, 'progress');
    expect(queue.status().current).toMatchObject({
      suggestionId: 1,
      attempt: 1,
      percent: 42,
      etaSeconds: 3.5,
      phase: 'rendering',
    });
  });

  it('holds the queue with the plain reason on a set-up problem, without spending attempts', async () => {
    setUp({ renderMaxAttempts: 1 });
    backend.healthy = false;
    queue.enqueue([job(1)]);
    await waitFor(() => backend.renders.length === 1, 'first attempt');
    backend.renders[0]!.reject(
      new SdFailure('setup', 'Stable Diffusion refused our credentials: check SD_AUTH', 401),
    );
    await waitFor(() => queue.status().waitingForSd, 'waitingForSd');
    expect(queue.status()).toMatchObject({
      waitingForSd: true,
      pauseReason: 'Stable Diffusion refused our credentials: check SD_AUTH',
      queuedIds: [1],
    });
    backend.healthy = true;
    await waitFor(() => backend.renders.length === 2, 'retry once SD accepts us');
    expect(queue.status()).toMatchObject({ waitingForSd: false, pauseReason: null });
    backend.renders[1]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults > 0, 'a result');
  });

  it('signals a start before the result, even for a job that finishes at once, until acknowledged', async () => {
    setUp();
    queue.enqueue([job(4)]);
    await waitFor(() => backend.renders.length === 1, 'render');
    const early = await store.take({ waitMs: 0, max: 10 });
    expect(early.started.map((s) => s.suggestionId)).toEqual([4]);
    expect(early.results).toEqual([]);
    backend.renders[0]!.resolve();
    await waitFor(() => queue.status().unacknowledgedResults === 1, 'result');
    // Nothing was acknowledged yet: the start comes again, together with the result.
    const both = await store.take({ waitMs: 0, max: 10 });
    expect(both.started.map((s) => s.suggestionId)).toEqual([4]);
    expect(both.results.map((r) => r.suggestionId)).toEqual([4]);
    expect(store.ack({ suggestionIds: [4], started: [4] })).toEqual({ acknowledged: 2 });
    expect(await store.take({ waitMs: 0, max: 10 })).toEqual({ started: [], results: [] });
  });

  it('signals a start once per job, however many attempts it takes, and never for a cancelled one', async () => {
    setUp();
    queue.enqueue([job(1), job(2)]);
    await waitFor(() => backend.renders.length === 1, 'first attempt');
    store.ack({ suggestionIds: [], started: [1] });
    backend.renders[0]!.reject(new SdFailure('server', 'CUDA out of memory', 500));
    await waitFor(() => backend.renders.length === 2, 'second attempt');
    expect((await store.take({ waitMs: 0, max: 10 })).started).toEqual([]);
    queue.cancel(1);
    await waitFor(() => backend.renders.length === 3, 'next job');
    const { started } = await store.take({ waitMs: 0, max: 10 });
    expect(started.map((s) => s.suggestionId)).toEqual([2]);
    queue.cancel(2);
    expect((await store.take({ waitMs: 0, max: 10 })).started).toEqual([]);
  });

  it('wakes a waiting long poll with a start signal', async () => {
    setUp();
    const poll = store.take({ waitMs: 10_000, max: 10 });
    const pollStarted = Date.now();
    setTimeout(() => queue.enqueue([job(9)]), 20);
    const { started, results } = await poll;
    expect(started.map((s) => s.suggestionId)).toEqual([9]);
    expect(results).toEqual([]);
    expect(Date.now() - pollStarted).toBeLessThan(1000);
  });

  it('holds 10,000 queued jobs with shared settings and a bounded status reply', async () => {
    setUp();
    queue.pause();
    for (let batch = 0; batch < 10; batch++) {
      const jobs = Array.from({ length: 1000 }, (_, i) =>
        job(batch * 1000 + i + 1, { settings: { ...DEFAULT_GENERATION_SETTINGS } }),
      );
      queue.enqueue(jobs);
    }
    const status = queue.status();
    expect(status.queueLength).toBe(10_000);
    expect(status.queuedIds).toHaveLength(1000);
    expect(status.queuedIds[0]).toBe(1);
    expect(queue.cancel(5000)).toEqual({ cancelled: true });
    expect(queue.status().queueLength).toBe(9_999);
    // Identical settings are stored once, not once per job.
    const held = (queue as unknown as { queued: Map<number, RenderJob> }).queued;
    expect(held.get(1)!.settings).toBe(held.get(10_000)!.settings);
  });
});
