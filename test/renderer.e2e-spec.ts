import { connect, type Socket } from 'node:net';
import { PNG } from 'pngjs';
import { RendererPattern, type GenerationSettings, type RenderJob, type RenderResult } from '#contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRendererConfig } from '../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../apps/renderer/src/setup.js';
import { CHECKPOINTS } from './fakes/fake-a1111/catalog.js';
import { startFakeA1111, type FakeA1111, type RecordedRequest } from './fakes/fake-a1111/fake-a1111.js';
import { createRendererTestClient, type RendererTestClient } from './support/renderer-test-client.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/tls-certificates.js';
import { waitFor } from './support/wait-for.js';

const TOKEN = 'e2e-renderer-token-0123456789';
const SD_USER = 'party';
const SD_PASSWORD = 'pa:ss-word';
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
// Set RENDERER_TEST_LOGS=1 to see the renderer's own log while debugging.
const logger = process.env['RENDERER_TEST_LOGS'] ? undefined : (false as const);

const adminSettings: GenerationSettings = {
  steps: 12,
  cfgScale: 5.5,
  sampler: 'Euler a',
  scheduler: '',
  negativePrompt: 'blurry, text',
  model: CHECKPOINTS[1]!.title,
};

let nextSuggestionId = 1000;
function makeJob(overrides: Partial<RenderJob> = {}): RenderJob {
  const suggestionId = nextSuggestionId++;
  return {
    suggestionId,
    prompt: `e2e prompt number ${suggestionId}: a lighthouse in a storm`,
    width: 256,
    height: 320,
    settings: adminSettings,
    colourHex: '#3366cc',
    ...overrides,
  };
}

function envFor(extra: Record<string, string>): Record<string, string> {
  return {
    RENDERER_PORT: '0',
    RENDERER_TOKEN: TOKEN,
    RENDERER_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
    SD_CONNECT_TIMEOUT_MS: '500',
    SD_READ_TIMEOUT_MS: '5000',
    RENDER_MAX_ATTEMPTS: '3',
    RENDER_RETRY_BASE_MS: '20',
    RENDER_PROGRESS_INTERVAL_MS: '50',
    ...extra,
  };
}

async function startRenderer(extra: Record<string, string>): Promise<StartedRenderer> {
  return createRenderer(parseRendererConfig(envFor(extra)), { logger });
}

/** Long-polls until the renderer holds a result for `suggestionId` (leaving it unacknowledged). */
async function resultFor(
  client: RendererTestClient,
  suggestionId: number,
  timeoutMs = 10_000,
): Promise<RenderResult> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { results } = await client.call(RendererPattern.Results, { waitMs: 1000, max: 500 }, 5000);
    const found = results.find((r) => r.suggestionId === suggestionId);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no result for #${suggestionId} within ${timeoutMs} ms`);
}

function generationRequests(fake: FakeA1111, prompt?: string): RecordedRequest[] {
  return fake.requests.filter(
    (r) =>
      (r.path === '/sdapi/v1/txt2img' || r.path === '/sdapi/v1/img2img') &&
      (prompt === undefined || (r.body as { prompt?: string } | null)?.prompt === prompt),
  );
}

function smallPngBase64(width: number, height: number): string {
  const png = new PNG({ width, height });
  png.data.fill(200);
  return PNG.sync.write(png).toString('base64');
}

/** Opens a raw TCP connection, writes `data`, and reports whether the server closed it within `timeoutMs`. */
function rawSend(port: number, data: string): Promise<{ closed: boolean; received: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received });
    }, 3000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
    socket.write(data);
  });
}

describe('renderer over TCP against the fake AUTOMATIC1111', () => {
  let fake: FakeA1111;
  let renderer: StartedRenderer;
  let client: RendererTestClient;

  beforeAll(async () => {
    fake = await startFakeA1111({ auth: { username: SD_USER, password: SD_PASSWORD } });
    renderer = await startRenderer({ SD_URL: fake.url, SD_AUTH: `${SD_USER}:${SD_PASSWORD}` });
    client = createRendererTestClient({ port: renderer.port, token: TOKEN });
  });

  afterEach(async () => {
    await fake.setMode('normal');
    fake.setDelays({ stepDelayMs: 0, fixedDelayMs: null });
    // Leave nothing behind for the next test.
    const { results, started } = await client.call(RendererPattern.Results, { waitMs: 0, max: 500 });
    if (results.length + started.length > 0)
      await client.call(RendererPattern.Ack, {
        suggestionIds: results.map((r) => r.suggestionId),
        started: started.map((s) => s.suggestionId),
      });
    fake.reset();
  });

  afterAll(async () => {
    await client?.close();
    await renderer?.close();
    await fake?.close();
  });

  it('binds an ephemeral loopback port and describes its backend, once it knows which server it is', async () => {
    expect(renderer.port).toBeGreaterThan(0);
    expect(renderer.port).not.toBe(4001);
    const status = await waitFor(async () => {
      const reply = await client.call(RendererPattern.Status, {});
      return reply.backendDescription.startsWith('AUTOMATIC1111 API') ? reply : null;
    }, 'the detected flavour');
    expect(status).toMatchObject({
      backend: 'a1111',
      backendDescription: `AUTOMATIC1111 API at ${fake.url} (HTTP Basic auth)`,
      paused: false,
      waitingForSd: false,
      queueLength: 0,
    });
  });

  it("lists SD's checkpoints and samplers for the admin's settings", async () => {
    const catalog = (await client.call(RendererPattern.Catalog, {})) as {
      models: string[];
      samplers: string[];
      unavailable: string | null;
    };
    expect(catalog.unavailable).toBeNull();
    expect(catalog.models.length).toBeGreaterThan(0);
    expect(catalog.models[0]).toMatch(/\.safetensors \[[0-9a-f]{10}\]$/);
    expect(catalog.samplers).toContain('Euler');
    expect(fake.requests.some((r) => r.path === '/sdapi/v1/sd-models')).toBe(true);
  });

  it('enqueue → results → ack: a real PNG arrives, info is parsed, SD got the admin settings and Basic auth', async () => {
    fake.setDelays({ fixedDelayMs: 300 });
    const job = makeJob();
    const poll = client.call(RendererPattern.Results, { waitMs: 10_000, max: 10 }, 15_000);
    const pollStarted = Date.now();
    await expect(client.call(RendererPattern.Enqueue, { jobs: [job] })).resolves.toEqual({
      accepted: [job.suggestionId],
    });

    // The long poll wakes first with the start signal (the job is on SD, not yet done)…
    const first = await poll;
    expect(Date.now() - pollStarted).toBeLessThan(5000);
    expect(first.started.map((s) => s.suggestionId)).toEqual([job.suggestionId]);
    expect(first.results).toEqual([]);
    await expect(
      client.call(RendererPattern.Ack, { suggestionIds: [], started: [job.suggestionId] }),
    ).resolves.toEqual({ acknowledged: 1 });
    // …then again when the result exists, long before its 10 s are up.
    const { results, started } = await client.call(
      RendererPattern.Results,
      { waitMs: 10_000, max: 10 },
      15_000,
    );
    expect(Date.now() - pollStarted).toBeLessThan(5000);
    expect(started).toEqual([]);
    expect(results).toHaveLength(1);
    const result = results[0]!;
    if (result.status !== 'rendered')
      throw new Error(`expected a rendered result, got ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ suggestionId: job.suggestionId, mime: 'image/png', backend: 'a1111' });
    const png = PNG.sync.read(Buffer.from(result.image, 'base64'));
    expect([png.width, png.height]).toEqual([256, 320]);
    expect(result.seed).toEqual(expect.any(Number));
    expect(result.info).toMatchObject({
      seed: result.seed,
      prompt: job.prompt,
      steps: 12,
      sampler_name: 'Euler a',
    });

    const [request] = generationRequests(fake, job.prompt);
    expect(request?.path).toBe('/sdapi/v1/txt2img');
    expect(request?.body).toMatchObject({
      prompt: job.prompt,
      negative_prompt: 'blurry, text',
      steps: 12,
      cfg_scale: 5.5,
      sampler_name: 'Euler a',
      width: 256,
      height: 320,
      seed: -1,
      n_iter: 1,
      batch_size: 1,
      send_images: true,
      save_images: false,
      override_settings: { sd_model_checkpoint: CHECKPOINTS[1]!.title },
    });
    const basic = `Basic ${Buffer.from(`${SD_USER}:${SD_PASSWORD}`).toString('base64')}`;
    expect(fake.requests.every((r) => r.authorization === basic)).toBe(true);

    // Kept until acknowledged, then gone.
    expect((await client.call(RendererPattern.Results, { waitMs: 0, max: 10 })).results).toHaveLength(1);
    await expect(client.call(RendererPattern.Ack, { suggestionIds: [job.suggestionId] })).resolves.toEqual({
      acknowledged: 1,
    });
    expect((await client.call(RendererPattern.Results, { waitMs: 0, max: 10 })).results).toEqual([]);
    expect((await client.call(RendererPattern.Status, {})).unacknowledgedResults).toBe(0);
  });

  it('renders a re-sent job only once', async () => {
    fake.setDelays({ fixedDelayMs: 200 });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job, job] });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    await resultFor(client, job.suggestionId);
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    expect((await client.call(RendererPattern.Status, {})).queueLength).toBe(0);
    expect(generationRequests(fake, job.prompt)).toHaveLength(1);
  });

  it('sends img2img with init_images when the job has an init image', async () => {
    const initImage = smallPngBase64(64, 64);
    const job = makeJob({ initImage });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    expect(result.status).toBe('rendered');
    const [request] = generationRequests(fake, job.prompt);
    expect(request?.path).toBe('/sdapi/v1/img2img');
    expect(request?.initImageLengths).toEqual([initImage.length]);
    expect(request?.body).toMatchObject({ denoising_strength: 0.6, resize_mode: 0, width: 256, height: 320 });
  });

  it('reports progress and an ETA hint while SD renders', async () => {
    fake.setDelays({ fixedDelayMs: 1500 });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const current = await waitFor(async () => {
      const status = await client.call(RendererPattern.Status, {});
      return status.current && status.current.percent > 0 ? status.current : null;
    }, 'a progress figure');
    expect(current.suggestionId).toBe(job.suggestionId);
    expect(current.attempt).toBe(1);
    expect(current.percent).toBeLessThanOrEqual(100);
    expect(current.etaSeconds === null || current.etaSeconds >= 0).toBe(true);
    expect(
      fake.requests.some(
        (r) => r.path === '/sdapi/v1/progress' && r.query.includes('skip_current_image=true'),
      ),
    ).toBe(true);
    await resultFor(client, job.suggestionId);
  });

  it('refuses messages without the token or with a wrong one, and queues nothing', async () => {
    const forged = makeJob({ prompt: 'forged prompt' });
    const anonymous = createRendererTestClient({ port: renderer.port });
    const impostor = createRendererTestClient({
      port: renderer.port,
      token: `${TOKEN}x`,
      verifyRenderer: false,
    });
    try {
      await expect(anonymous.raw(RendererPattern.Enqueue, { jobs: [forged] })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(impostor.raw(RendererPattern.Enqueue, { jobs: [forged] })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(impostor.raw(RendererPattern.Pause, {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(anonymous.raw(RendererPattern.Status, {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await anonymous.close();
      await impostor.close();
    }
    const status = await client.call(RendererPattern.Status, {});
    expect(status).toMatchObject({ queueLength: 0, current: null, paused: false });
    // A genuine job rendered afterwards proves the queue holds nothing forged ahead of it (it is FIFO).
    const genuine = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [genuine] });
    await resultFor(client, genuine.suggestionId);
    expect(generationRequests(fake).map((r) => (r.body as { prompt: string }).prompt)).toEqual([
      genuine.prompt,
    ]);
  });

  it('refuses a malformed payload with a clear message and changes nothing', async () => {
    const bad = { ...makeJob(), width: 500 };
    const error = await client.raw(RendererPattern.Enqueue, { jobs: [bad] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((error as { message: string }).message).toContain('jobs.0.width');
    await expect(client.raw(RendererPattern.Ack, { suggestionIds: 'all' })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
    await expect(client.raw(RendererPattern.Results, { waitMs: 60_000, max: 1 })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
    const status = await client.call(RendererPattern.Status, {});
    expect(status.queueLength).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(generationRequests(fake)).toEqual([]);
  });

  it('drops garbage and oversized frames on their own connection and keeps serving', async () => {
    const garbage = await rawSend(renderer.port, 'this is not a frame#{}');
    expect(garbage.closed).toBe(true);
    const badJson = await rawSend(renderer.port, '5#{{{{{');
    expect(badJson.closed).toBe(true);
    const hugeHeader = await rawSend(renderer.port, `${MAX_FRAME_BYTES * 100}#{"pattern":"render.status"`);
    expect(hugeHeader.closed).toBe(true);
    const overLimit = await rawSend(
      renderer.port,
      `${MAX_FRAME_BYTES + 10}#${'x'.repeat(MAX_FRAME_BYTES + 10)}`,
    );
    expect(overLimit.closed).toBe(true);
    expect(overLimit.received).toBe('');

    // The process and the listener are fine: a proper client still gets answers.
    const status = await client.call(RendererPattern.Status, {});
    expect(status.backend).toBe('a1111');
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    expect((await resultFor(client, job.suggestionId)).status).toBe('rendered');
  });

  it('retries after 500s and recovers when SD does', async () => {
    await fake.setMode('error500', { failTimes: 2 });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    expect(result.status).toBe('rendered');
    expect(generationRequests(fake, job.prompt)).toHaveLength(3);
  });

  it('fails a job that keeps running out of memory, with the reason, after the attempt limit', async () => {
    await fake.setMode('oom');
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    expect(result).toMatchObject({ status: 'failed', attempts: 3, backend: 'a1111' });
    if (result.status !== 'failed') throw new Error('expected failure');
    expect(result.reason).toMatch(/^Stable Diffusion ran out of memory \(CUDA out of memory/);
    expect(result.reason).toContain('(gave up after 3 attempts)');
    expect(generationRequests(fake, job.prompt)).toHaveLength(3);
  });

  it('fails a 422 at once with the reason, and the next job still renders', async () => {
    await fake.setMode('validation422', { failTimes: 1 });
    const rejected = makeJob();
    const next = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [rejected, next] });
    const failed = await resultFor(client, rejected.suggestionId);
    expect(failed).toEqual({
      status: 'failed',
      suggestionId: rejected.suggestionId,
      reason: 'Stable Diffusion rejected the request (422): width: value is not a valid integer',
      attempts: 1,
      backend: 'a1111',
      finishedAt: expect.any(String),
      worker: 0,
    });
    expect(generationRequests(fake, rejected.prompt)).toHaveLength(1);
    expect((await resultFor(client, next.suggestionId)).status).toBe('rendered');
  });

  it('waits for SD while it refuses connections and resumes by itself', async () => {
    await fake.setMode('refuse');
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const waiting = await waitFor(async () => {
      const status = await client.call(RendererPattern.Status, {});
      return status.waitingForSd ? status : null;
    }, 'waitingForSd');
    expect(waiting).toMatchObject({
      sdReachable: false,
      current: null,
      queueLength: 1,
      queuedIds: [job.suggestionId],
    });
    expect(waiting.sdError).toContain('connection refused');
    // Refused connections do not count as attempts: with 3 allowed, a second of refusals must not fail the job.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await client.call(RendererPattern.Results, { waitMs: 0, max: 10 })).results).toEqual([]);

    await fake.setMode('normal');
    const result = await resultFor(client, job.suggestionId, 15_000);
    expect(result.status).toBe('rendered');
    const status = await client.call(RendererPattern.Status, {});
    expect(status).toMatchObject({ waitingForSd: false, sdReachable: true, sdError: null });
  });

  it('cancels a queued job before it starts, and interrupts the one SD is rendering', async () => {
    fake.setDelays({ fixedDelayMs: 1500 });
    const [first, second, third] = [makeJob(), makeJob(), makeJob()];
    await client.call(RendererPattern.Enqueue, { jobs: [first!, second!, third!] });
    await waitFor(
      async () =>
        (await client.call(RendererPattern.Status, {})).current?.suggestionId === first!.suggestionId,
      'first job',
    );
    await expect(
      client.call(RendererPattern.Cancel, { suggestionId: second!.suggestionId }),
    ).resolves.toEqual({
      cancelled: true,
    });
    await expect(client.call(RendererPattern.Cancel, { suggestionId: first!.suggestionId })).resolves.toEqual(
      {
        cancelled: true,
      },
    );
    await expect(client.call(RendererPattern.Cancel, { suggestionId: 999_999 })).resolves.toEqual({
      cancelled: false,
    });

    fake.setDelays({ fixedDelayMs: null });
    await resultFor(client, third!.suggestionId);
    const { results } = await client.call(RendererPattern.Results, { waitMs: 0, max: 10 });
    expect(results.map((r) => r.suggestionId)).toEqual([third!.suggestionId]);
    expect(fake.stats().interrupts).toBeGreaterThanOrEqual(1);
    expect(generationRequests(fake, second!.prompt)).toEqual([]);
  });

  it('pauses and resumes', async () => {
    await expect(client.call(RendererPattern.Pause, {})).resolves.toEqual({ paused: true });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await client.call(RendererPattern.Status, {})).toMatchObject({
      paused: true,
      queueLength: 1,
      current: null,
    });
    expect(generationRequests(fake)).toEqual([]);
    await expect(client.call(RendererPattern.Resume, {})).resolves.toEqual({ paused: false });
    expect((await resultFor(client, job.suggestionId)).status).toBe('rendered');
  });

  describe('with a short read timeout', () => {
    let impatient: StartedRenderer;
    let impatientClient: RendererTestClient;

    beforeAll(async () => {
      impatient = await startRenderer({
        SD_URL: fake.url,
        SD_AUTH: `${SD_USER}:${SD_PASSWORD}`,
        SD_READ_TIMEOUT_MS: '300',
        RENDER_MAX_ATTEMPTS: '2',
      });
      impatientClient = createRendererTestClient({ port: impatient.port, token: TOKEN });
    });

    afterAll(async () => {
      await impatientClient?.close();
      await impatient?.close();
    });

    it('fails a job SD hangs on after its attempts, visibly, and renders the next one', async () => {
      await fake.setMode('hang', { failTimes: 2 });
      const hung = makeJob();
      const next = makeJob();
      await impatientClient.call(RendererPattern.Enqueue, { jobs: [hung, next] });
      const failed = await resultFor(impatientClient, hung.suggestionId);
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: 2,
        reason:
          'Stable Diffusion did not finish within 0.3 s of starting our job (read timeout; interrupted) (gave up after 2 attempts)',
      });
      expect((await resultFor(impatientClient, next.suggestionId)).status).toBe('rendered');
      // A request we stopped waiting for is interrupted on SD rather than left to hold its lock.
      expect(fake.stats().interrupts).toBeGreaterThanOrEqual(1);
      const { results, started } = await impatientClient.call(RendererPattern.Results, {
        waitMs: 0,
        max: 10,
      });
      await impatientClient.call(RendererPattern.Ack, {
        suggestionIds: results.map((r) => r.suggestionId),
        started: started.map((s) => s.suggestionId),
      });
    });
  });
});

describe('renderer with other backends and transports', () => {
  const closers: Array<() => Promise<unknown> | void> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('uses the preview backend when SD_URL is unset, and says so', async () => {
    const renderer = await startRenderer({});
    closers.push(() => renderer.close());
    const client = createRendererTestClient({ port: renderer.port, token: TOKEN });
    closers.push(() => client.close());

    const status = await client.call(RendererPattern.Status, {});
    expect(status).toMatchObject({
      backend: 'preview',
      backendDescription: 'Stable Diffusion not connected: preview backend',
    });
    const job = makeJob({ width: 512, height: 384, colourHex: '#ff7f50' });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    if (result.status !== 'rendered') throw new Error(`expected rendered, got ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ backend: 'preview', mime: 'image/png', seed: null });
    expect(result.info).toMatchObject({ backend: 'preview', prompt: job.prompt });
    const png = PNG.sync.read(Buffer.from(result.image, 'base64'));
    expect([png.width, png.height]).toEqual([512, 384]);
    expect([...png.data.subarray(0, 3)]).toEqual([0xff, 0x7f, 0x50]);
    expect(await client.call(RendererPattern.Catalog, {})).toMatchObject({
      models: [],
      samplers: [],
      unavailable: expect.stringMatching(/preview/),
    });
  });

  it('passes JPEG output through with its own mime type', async () => {
    const fake = await startFakeA1111({ samplesFormat: 'jpeg' });
    closers.push(() => fake.close());
    const renderer = await startRenderer({ SD_URL: fake.url });
    closers.push(() => renderer.close());
    const client = createRendererTestClient({ port: renderer.port, token: TOKEN });
    closers.push(() => client.close());
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    expect(result).toMatchObject({ status: 'rendered', mime: 'image/jpeg' });
  });

  describe('over TLS', () => {
    let certificate: TestCertificate;
    let renderer: StartedRenderer;

    beforeAll(async () => {
      certificate = createSelfSignedCertificate();
      renderer = await startRenderer({
        RENDERER_TLS_CERT: certificate.certPath,
        RENDERER_TLS_KEY: certificate.keyPath,
      });
    });

    afterAll(async () => {
      await renderer?.close();
      certificate?.cleanup();
    });

    it('serves a client that trusts its certificate', async () => {
      expect(renderer.tls).toBe(true);
      const client = createRendererTestClient({
        port: renderer.port,
        token: TOKEN,
        tlsOptions: { ca: certificate.cert },
      });
      try {
        await expect(client.call(RendererPattern.Status, {})).resolves.toMatchObject({ backend: 'preview' });
        const job = makeJob();
        await client.call(RendererPattern.Enqueue, { jobs: [job] });
        expect((await resultFor(client, job.suggestionId)).status).toBe('rendered');
      } finally {
        await client.close();
      }
    });

    it('refuses a plain TCP client and one that does not trust the certificate', async () => {
      const plain = createRendererTestClient({ port: renderer.port, token: TOKEN });
      const other = createSelfSignedCertificate();
      const untrusting = createRendererTestClient({
        port: renderer.port,
        token: TOKEN,
        tlsOptions: { ca: other.cert },
      });
      try {
        await expect(plain.raw(RendererPattern.Status, {}, 2000)).rejects.toBeDefined();
        await expect(untrusting.raw(RendererPattern.Status, {}, 2000)).rejects.toBeDefined();
      } finally {
        await plain.close();
        await untrusting.close();
        other.cleanup();
      }
    });
  });
});
