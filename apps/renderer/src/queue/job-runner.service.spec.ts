import { Logger } from '@nestjs/common';
import { DEFAULT_GENERATION_SETTINGS, type RenderJob } from '#contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderBackend, RenderedImage, SdProgress } from '../backends/render-backend.js';
import { SdFailure } from '../backends/sd-failure.js';
import type { RendererConfig } from '../config/renderer.config.js';
import { SdHealth } from '../health/sd-health.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { activate } from './active-job.js';
import { JobRunner } from './job-runner.service.js';

const config = {
  maxFrameBytes: 1024 * 1024,
  renderMaxAttempts: 3,
  renderRetryBaseMs: 1,
  progressIntervalMs: 10,
} as RendererConfig;

const job: RenderJob = {
  suggestionId: 11,
  prompt: 'an owl',
  width: 512,
  height: 512,
  settings: { ...DEFAULT_GENERATION_SETTINGS },
  colourHex: '#112233',
};

const image: RenderedImage = { image: 'iVBORw0KGgo=', mime: 'image/png', seed: 7, info: { seed: 7 } };

/** A backend that answers each render with the next scripted outcome. */
function scripted(outcomes: (RenderedImage | SdFailure | 'hang')[]) {
  const calls = { renders: 0 };
  const backend = {
    name: 'a1111',
    description: 'scripted',
    async health() {},
    render(_job: RenderJob, signal: AbortSignal, onProgress: (p: SdProgress) => void) {
      onProgress({ percent: 50, etaSeconds: 1, phase: 'rendering' });
      const outcome = outcomes[calls.renders++];
      if (outcome === 'hang') {
        return new Promise<RenderedImage>((_, reject) =>
          signal.addEventListener('abort', () => reject(new SdFailure('cancelled', 'aborted'))),
        );
      }
      return outcome instanceof SdFailure ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
  } as unknown as RenderBackend;
  const store = new ResultStore(config);
  const runner = new JobRunner(backend, config, new SdHealth(backend, config), store);
  return { runner, store, calls };
}

describe('JobRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('announces the start, then stores the image', async () => {
    const { runner, store } = scripted([image]);
    await runner.run(activate(job), () => false);
    const { started, results } = await store.take({ waitMs: 0, max: 10 });
    expect(started).toEqual([{ suggestionId: 11, startedAt: expect.any(String) }]);
    expect(results).toEqual([expect.objectContaining({ status: 'rendered', suggestionId: 11, seed: 7 })]);
  });

  it('retries a server error and announces the start once', async () => {
    const { runner, store, calls } = scripted([new SdFailure('server', 'CUDA out of memory', 500), image]);
    const active = activate(job);
    await runner.run(active, () => false);
    expect(calls.renders).toBe(2);
    expect(active.attempt).toBe(2);
    const { started, results } = await store.take({ waitMs: 0, max: 10 });
    expect(started).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'rendered' });
  });

  it('fails at once on a rejection, with the reason, after one attempt', async () => {
    const { runner, store, calls } = scripted([new SdFailure('rejected', 'width: bad (422)', 422)]);
    await runner.run(activate(job), () => false);
    expect(calls.renders).toBe(1);
    expect((await store.take({ waitMs: 0, max: 10 })).results[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      reason: 'width: bad (422)',
    });
  });

  it('gives up after the last attempt and says how many it made', async () => {
    const timeout = () => new SdFailure('timeout', 'no answer within 1 s');
    const { runner, store, calls } = scripted([timeout(), timeout(), timeout()]);
    await runner.run(activate(job), () => false);
    expect(calls.renders).toBe(3);
    expect((await store.take({ waitMs: 0, max: 10 })).results[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      reason: 'no answer within 1 s (gave up after 3 attempts)',
    });
  });

  it('a cancelled job aborts the backend call, stores nothing and takes back its start signal', async () => {
    const { runner, store } = scripted(['hang']);
    const active = activate(job);
    const running = runner.run(active, () => false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(active.inFlight).toBe(true);
    expect(active.percent).toBe(50);
    runner.cancel(active);
    await running;
    expect(active.abort.signal.aborted).toBe(true);
    expect(await store.take({ waitMs: 0, max: 10 })).toEqual({ started: [], results: [] });
  });
});
