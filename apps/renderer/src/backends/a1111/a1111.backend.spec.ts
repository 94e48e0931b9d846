import type { HttpService } from '@nestjs/axios';
import { DEFAULT_GENERATION_SETTINGS, type RenderJob } from '#contracts';
import { AxiosError } from 'axios';
import { of, throwError } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RendererConfig } from '../../config/renderer.config.js';
import { SdFailure } from '../sd-failure.js';
import { A1111Backend, a1111HttpConfig } from './a1111.backend.js';

const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');

const config: RendererConfig = {
  host: '127.0.0.1',
  port: 0,
  token: 'test-token-0123456789',
  maxFrameBytes: 8 * 1024 * 1024,
  sdUrl: 'http://gpu:7860',
  sdAuth: { username: 'party', password: 'se:cret' },
  sdConnectTimeoutMs: 250,
  sdReadTimeoutMs: 90_000,
  renderMaxAttempts: 4,
  renderRetryBaseMs: 1000,
  progressIntervalMs: 500,
  tls: null,
};

const job: RenderJob = {
  suggestionId: 9,
  prompt: 'a red fox',
  width: 512,
  height: 768,
  settings: { ...DEFAULT_GENERATION_SETTINGS, steps: 30 },
  colourHex: '#ff0000',
};

function backendWith(http: Partial<HttpService>) {
  return new A1111Backend(http as HttpService, config);
}

describe('A1111Backend', () => {
  let backend: A1111Backend | undefined;
  afterEach(() => backend?.onModuleDestroy());

  it('posts txt2img with the read timeout and a connect-timeout agent, and parses the answer', async () => {
    const post = vi.fn(() =>
      of({ data: { images: [PNG_B64], info: JSON.stringify({ seed: 77, sampler_name: 'DPM++ 2M' }) } }),
    );
    backend = backendWith({ post } as unknown as HttpService);
    const signal = new AbortController().signal;
    const result = await backend.render(job, signal);
    expect(result).toMatchObject({ mime: 'image/png', seed: 77, image: PNG_B64 });
    const [path, body, options] = post.mock.calls[0] as unknown as [
      string,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect(path).toBe('/sdapi/v1/txt2img');
    expect(body).toMatchObject({
      prompt: 'a red fox',
      steps: 30,
      width: 512,
      height: 768,
      send_images: true,
    });
    expect(options).toMatchObject({ timeout: 90_000, signal });
    expect(options['httpAgent']).toBeDefined();
  });

  it('maps transport failures to SdFailure kinds', async () => {
    const post = vi.fn(() =>
      throwError(() => new AxiosError('connect ECONNREFUSED 127.0.0.1:7860', 'ECONNREFUSED')),
    );
    backend = backendWith({ post } as unknown as HttpService);
    const failure = await backend.render(job, new AbortController().signal).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SdFailure);
    expect(failure).toMatchObject({ kind: 'unreachable' });
  });

  it('probes health and progress on the progress route, and interrupts', async () => {
    const get = vi.fn(() => of({ data: { progress: 0.5, eta_relative: 2, state: { job_count: 1 } } }));
    const post = vi.fn(() => of({ data: {} }));
    backend = backendWith({ get, post } as unknown as HttpService);
    await expect(backend.progress()).resolves.toEqual({ percent: 50, etaSeconds: 2 });
    await expect(backend.health()).resolves.toBeUndefined();
    await backend.interrupt();
    expect(get.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      '/sdapi/v1/progress?skip_current_image=true',
      '/sdapi/v1/progress?skip_current_image=true',
    ]);
    expect((post.mock.calls[0] as unknown[])[0]).toBe('/sdapi/v1/interrupt');
  });

  it('configures HTTP Basic auth, the base URL and no proxy', () => {
    expect(a1111HttpConfig(config)).toMatchObject({
      baseURL: 'http://gpu:7860',
      auth: { username: 'party', password: 'se:cret' },
      proxy: false,
      maxBodyLength: config.maxFrameBytes,
    });
    expect(a1111HttpConfig({ ...config, sdAuth: null })).not.toHaveProperty('auth');
  });
});
