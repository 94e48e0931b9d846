import { Logger } from '@nestjs/common';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderBackend } from '../backends/render-backend.js';
import { SdFailure } from '../backends/sd-failure.js';
import type { RendererConfig } from '../config/renderer.config.js';
import { SdHealth } from './sd-health.service.js';

function backendWith(health: () => Promise<void>, name: 'a1111' | 'preview' = 'a1111') {
  let calls = 0;
  const backend = {
    name,
    health: () => {
      calls++;
      return health();
    },
  } as unknown as RenderBackend;
  return { backend, calls: () => calls };
}

const config = { renderRetryBaseMs: 5 } as RendererConfig;
const refused = () => Promise.reject(new SdFailure('unreachable', 'connection refused'));

describe('SdHealth', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('says unreachable until a probe or a call proves otherwise', async () => {
    const { backend } = backendWith(refused);
    const health = new SdHealth(backend, config);
    expect(health.state).toEqual({ reachable: false, error: null, pauseReason: null });
    await health.check();
    expect(health.state).toEqual({ reachable: false, error: 'connection refused', pauseReason: null });
    health.noteAnswered('CUDA out of memory');
    expect(health.state).toEqual({ reachable: true, error: 'CUDA out of memory', pauseReason: null });
  });

  it('counts an unhappy answer as reachable: SD is there, the job decides what the answer means', async () => {
    const { backend } = backendWith(() =>
      Promise.reject(new SdFailure('server', 'Internal Server Error', 500)),
    );
    const health = new SdHealth(backend, config);
    await health.check();
    expect(health.state).toEqual({ reachable: true, error: 'Internal Server Error', pauseReason: null });
  });

  it('holds the queue on a set-up problem with its reason, until a probe gets past it', async () => {
    let fixed = false;
    const refusedCredentials = () =>
      Promise.reject(new SdFailure('setup', 'Stable Diffusion refused our credentials', 401));
    const { backend, calls } = backendWith(() => (fixed ? Promise.resolve() : refusedCredentials()));
    const health = new SdHealth(backend, config);
    await health.check();
    expect(health.state).toEqual({
      reachable: true,
      error: 'Stable Diffusion refused our credentials',
      pauseReason: 'Stable Diffusion refused our credentials',
    });
    const waited = health.waitUntilReachable(new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls()).toBeGreaterThanOrEqual(3);
    fixed = true;
    await expect(waited).resolves.toBe(true);
    expect(health.state.pauseReason).toBeNull();
  });

  it('shares one probe between concurrent checks', async () => {
    let release!: () => void;
    const { backend, calls } = backendWith(() => new Promise<void>((resolve) => (release = resolve)));
    const health = new SdHealth(backend, config);
    const both = Promise.all([health.check(), health.check()]);
    release();
    await both;
    expect(calls()).toBe(1);
    expect(health.state.reachable).toBe(true);
  });

  it('waits with growing pauses until SD answers, and stops waiting when aborted', async () => {
    let up = false;
    const { backend, calls } = backendWith(() => (up ? Promise.resolve() : refused()));
    const health = new SdHealth(backend, config);
    const waited = health.waitUntilReachable(new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls()).toBeGreaterThanOrEqual(2);
    up = true;
    await expect(waited).resolves.toBe(true);
    expect(health.state).toEqual({ reachable: true, error: null, pauseReason: null });

    up = false;
    const abort = new AbortController();
    const aborted = health.waitUntilReachable(abort.signal);
    abort.abort();
    await expect(aborted).resolves.toBe(false);
  });

  it('the preview backend has no server: never reported reachable', () => {
    const { backend } = backendWith(() => Promise.resolve(), 'preview');
    const health = new SdHealth(backend, config);
    health.noteAnswered(null);
    expect(health.state.reachable).toBe(false);
  });
});
