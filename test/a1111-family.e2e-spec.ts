import { PNG } from 'pngjs';
import {
  DEFAULT_GENERATION_SETTINGS,
  RendererPattern,
  type GenerationSettings,
  type RenderJob,
  type RenderResult,
  type RendererStatus,
} from '#contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRendererConfig } from '../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../apps/renderer/src/setup.js';
import { CHECKPOINTS } from './fakes/fake-a1111/catalog.js';
import {
  startFakeA1111,
  type FakeA1111,
  type FakeA1111Options,
  type RecordedRequest,
} from './fakes/fake-a1111/fake-a1111.js';
import { otherClientJob } from './fakes/fake-a1111/testkit.js';
import { createRendererTestClient, type RendererTestClient } from './support/renderer-test-client.js';
import { waitFor } from './support/wait-for.js';

/**
 * The renderer against AUTOMATIC1111, Forge and SD.Next as the fake plays them, each with what the real
 * servers do that our first client got wrong (reference a1111-api.md §8).
 */

const TOKEN = 'a1111-family-token-0123456789';
const logger = process.env['RENDERER_TEST_LOGS'] ? undefined : (false as const);

interface Pair {
  fake: FakeA1111;
  renderer: StartedRenderer;
  client: RendererTestClient;
}
const open: Pair[] = [];
afterEach(async () => {
  for (const { client, renderer, fake } of open.splice(0)) {
    await client.close();
    await renderer.close();
    await fake.close();
  }
});

async function start(fakeOptions: FakeA1111Options, env: Record<string, string> = {}): Promise<Pair> {
  const fake = await startFakeA1111(fakeOptions);
  const renderer = await createRenderer(
    parseRendererConfig({
      RENDERER_PORT: '0',
      RENDERER_TOKEN: TOKEN,
      SD_URL: fake.url,
      SD_CONNECT_TIMEOUT_MS: '500',
      SD_READ_TIMEOUT_MS: '5000',
      RENDER_MAX_ATTEMPTS: '3',
      RENDER_RETRY_BASE_MS: '20',
      RENDER_PROGRESS_INTERVAL_MS: '40',
      ...env,
    }),
    { logger },
  );
  const pair = { fake, renderer, client: createRendererTestClient({ port: renderer.port, token: TOKEN }) };
  open.push(pair);
  return pair;
}

let nextId = 3000;
function makeJob(settings: Partial<GenerationSettings> = {}): RenderJob {
  const suggestionId = nextId++;
  return {
    suggestionId,
    prompt: `family prompt ${suggestionId}: a paper boat`,
    width: 256,
    height: 320,
    settings: { ...DEFAULT_GENERATION_SETTINGS, steps: 5, ...settings },
    colourHex: '#225588',
  };
}

async function resultFor(client: RendererTestClient, id: number, timeoutMs = 10_000): Promise<RenderResult> {
  return waitFor(
    async () => {
      const { results } = await client.call(RendererPattern.Results, { waitMs: 200, max: 50 });
      return results.find((r) => r.suggestionId === id);
    },
    `a result for #${id}`,
    { timeoutMs },
  );
}

function generations(fake: FakeA1111, prompt: string): RecordedRequest[] {
  return fake.requests.filter(
    (r) =>
      r.path.startsWith('/sdapi/v1/txt2img') && (r.body as { prompt?: string } | null)?.prompt === prompt,
  );
}

async function status(client: RendererTestClient): Promise<RendererStatus> {
  return client.call(RendererPattern.Status, {});
}

describe('another client on the same web UI', () => {
  it('our job waits behind theirs without timing out, never shows their progress, never interrupts them', async () => {
    const { fake, client } = await start({ uiMode: true, stepDelayMs: 40 }, { SD_READ_TIMEOUT_MS: '400' });
    await waitFor(
      async () => (await status(client)).backendDescription.startsWith('AUTOMATIC1111 API'),
      'detection',
    );
    fake.reset();
    const theirs = otherClientJob(fake.url, { steps: 30 });
    await waitFor(() => fake.stats().running, 'their job holding the lock');
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });

    const seen: RendererStatus['current'][] = [];
    // Readings taken while theirs alone has had the lock (one generation so far, before and after the read).
    while (seen.length < 200) {
      if (fake.stats().generations !== 1) break;
      const current = (await status(client)).current;
      if (fake.stats().generations !== 1) break;
      if (current) seen.push(current);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const theirResult = await theirs;
    expect(theirResult).toEqual({ status: 200, interrupted: false, taskId: theirResult.taskId });
    // While theirs ran (1.2 s, three times our read timeout), ours only waited: 0 %, never their figures.
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((c) => c!.phase === 'waiting' && c!.percent === 0)).toBe(true);

    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
    expect(generations(fake, job.prompt)).toHaveLength(1);
    expect(fake.stats().interrupts).toBe(0);
    // The tracker is read without a live preview: our polling cost the GPU no preview decode.
    expect(fake.stats().previewDecodes).toBe(0);
  });

  it('a job of ours that hangs is interrupted (it is ours), retried once it is gone, never doubled; theirs is untouched', async () => {
    const { fake, client } = await start({ uiMode: true, stepDelayMs: 10 }, { SD_READ_TIMEOUT_MS: '300' });
    await fake.setMode('stall', { failTimes: 1 });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    await waitFor(() => fake.stats().running, 'our stalled job holding the lock');
    // Another client queues behind our stuck job; our retry will queue behind theirs.
    const theirs = otherClientJob(fake.url, { steps: 20 });

    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
    expect(await theirs).toMatchObject({ status: 200, interrupted: false });
    expect(fake.stats().interrupts).toBe(1);
    const ours = generations(fake, job.prompt);
    expect(ours).toHaveLength(2);
    // One at a time: the retry was sent only after the interrupted request had answered.
    const spans = fake.stats().jobs.filter((j) => j.kind === 'txt2img');
    expect(spans.map((s) => s.outcome)).toEqual(['interrupted', 'ok', 'ok']);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]!.startAt).toBeGreaterThanOrEqual(spans[i - 1]!.endAt);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.stats()).toMatchObject({ waiting: 0, running: false, generations: 3 });
  });

  it.each([
    ['API only (no tracker)', false],
    ['the web UI, where the job is known to be ours', true],
  ])(
    'SD_SHARED with %s: never interrupts, keeps the image of a job slower than the timeout, gives the model back',
    async (_, uiMode) => {
      const { fake, client } = await start(
        { fixedDelayMs: 450, uiMode },
        { SD_SHARED: 'on', SD_READ_TIMEOUT_MS: '300' },
      );
      const job = makeJob({ model: CHECKPOINTS[1]!.title });
      await client.call(RendererPattern.Enqueue, { jobs: [job] });
      const result = await resultFor(client, job.suggestionId);
      expect(result).toMatchObject({ status: 'rendered' });
      expect(fake.stats().interrupts).toBe(0);
      const [request] = generations(fake, job.prompt);
      expect(request?.body).toMatchObject({
        override_settings: { sd_model_checkpoint: CHECKPOINTS[1]!.title },
        override_settings_restore_afterwards: true,
      });
      expect(generations(fake, job.prompt)).toHaveLength(1);
      expect((await status(client)).backendDescription).toContain('shared: never interrupted');
    },
  );

  it('while the model loads there is no made-up ETA; once steps run there is one', async () => {
    const { fake, client } = await start({ uiMode: true, stepDelayMs: 60, modelLoadMs: 700 });
    const job = makeJob({ steps: 20 });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const loading = await waitFor(async () => {
      const current = (await status(client)).current;
      return current?.phase === 'starting' ? current : null;
    }, 'the loading phase');
    expect(loading.etaSeconds).toBeNull();
    const rendering = await waitFor(async () => {
      const current = (await status(client)).current;
      return current?.phase === 'rendering' && current.etaSeconds !== null ? current : null;
    }, 'an ETA while steps run');
    // 20 steps of 60 ms: an honest estimate is a second or two, not 99 × the time spent loading.
    expect(rendering.etaSeconds).toBeLessThan(5);
    await resultFor(client, job.suggestionId);
    void fake;
  });
});

describe('samplers and schedulers, per server', () => {
  it('AUTOMATIC1111: "DPM++ 2M Karras" goes as sampler + scheduler, a chosen scheduler by its name', async () => {
    const { fake, client } = await start({ uiMode: true });
    const legacy = makeJob({ sampler: 'DPM++ 2M Karras' });
    const chosen = makeJob({ sampler: 'Euler a', scheduler: 'Exponential' });
    await client.call(RendererPattern.Enqueue, { jobs: [legacy, chosen] });
    const first = await resultFor(client, legacy.suggestionId);
    await resultFor(client, chosen.suggestionId);
    expect(generations(fake, legacy.prompt)[0]?.body).toMatchObject({
      sampler_name: 'DPM++ 2M',
      scheduler: 'karras',
    });
    expect(generations(fake, chosen.prompt)[0]?.body).toMatchObject({
      sampler_name: 'Euler a',
      scheduler: 'exponential',
    });
    expect(first).toMatchObject({ status: 'rendered', info: { sampler_name: 'DPM++ 2M' } });
    const catalog = await client.call(RendererPattern.Catalog, {});
    expect(catalog.schedulers).toEqual(expect.arrayContaining(['Automatic', 'Karras', 'Exponential']));
  });

  it('Forge: detected, same names, and the generated image kept (not the extra control map)', async () => {
    const { client } = await start({ flavour: 'forge' });
    const job = makeJob({ sampler: 'DPM++ 2M', scheduler: 'Karras' });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const result = await resultFor(client, job.suggestionId);
    if (result.status !== 'rendered') throw new Error(JSON.stringify(result));
    const png = PNG.sync.read(Buffer.from(result.image, 'base64'));
    expect([png.width, png.height]).toEqual([256, 320]);
    expect((await status(client)).backendDescription).toMatch(/^Forge API at /);
  });

  it('SD.Next: detected; no scheduler sent; a name it lacks fails the job at once, before any request', async () => {
    const { fake, client } = await start({ flavour: 'sdnext' });
    const legacy = makeJob({ sampler: 'DPM++ 2M Karras', scheduler: 'Karras' });
    const missing = makeJob({ sampler: 'Restart' });
    await client.call(RendererPattern.Enqueue, { jobs: [legacy, missing] });
    expect(await resultFor(client, legacy.suggestionId)).toMatchObject({ status: 'rendered' });
    const body = generations(fake, legacy.prompt)[0]?.body as Record<string, unknown>;
    expect(body['sampler_name']).toBe('DPM++ 2M');
    expect(body).not.toHaveProperty('scheduler');
    const failed = await resultFor(client, missing.suggestionId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect((failed as { reason: string }).reason).toMatch(
      /^The sampler "Restart" is not offered by this Stable Diffusion server \(SD\.Next\); choose one of its own in Settings: Default, UniPC, /,
    );
    expect(generations(fake, missing.prompt)).toEqual([]);
    expect((await client.call(RendererPattern.Catalog, {})).schedulers).toEqual([]);
    expect((await status(client)).backendDescription).toMatch(/^SD\.Next API at /);
  });

  it('SD.Next: a 200 with no image is retried', async () => {
    const { fake, client } = await start({ flavour: 'sdnext' });
    await fake.setMode('empty200', { failTimes: 1 });
    const job = makeJob({ sampler: 'Euler a' });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
    expect(generations(fake, job.prompt)).toHaveLength(2);
  });
});

describe('the model actually used', () => {
  it('a mismatch fails the job visibly, or warns when the host chose that', async () => {
    const strict = await start({});
    await strict.fake.setMode('ignore-model', { failTimes: 1 });
    const job = makeJob({ model: CHECKPOINTS[1]!.title });
    await strict.client.call(RendererPattern.Enqueue, { jobs: [job] });
    const failed = await resultFor(strict.client, job.suggestionId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect((failed as { reason: string }).reason).toBe(
      `Stable Diffusion rendered with the model "${CHECKPOINTS[0]!.model_name}" instead of "${CHECKPOINTS[1]!.title}" (another client switched it, or the server could not load ours)`,
    );

    const lenient = await start({}, { SD_MODEL_MISMATCH: 'warn' });
    await lenient.fake.setMode('ignore-model', { failTimes: 1 });
    const kept = makeJob({ model: CHECKPOINTS[1]!.title });
    await lenient.client.call(RendererPattern.Enqueue, { jobs: [kept] });
    const rendered = await resultFor(lenient.client, kept.suggestionId);
    expect(rendered).toMatchObject({ status: 'rendered' });
    expect((rendered as { info: Record<string, unknown> }).info['vernissage_warning']).toContain(
      'instead of',
    );
  });

  it('a model the server does not list fails the job before anything is sent', async () => {
    const { fake, client } = await start({});
    const job = makeJob({ model: 'gone.safetensors' });
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    expect(await resultFor(client, job.suggestionId)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^The model "gone\.safetensors" is not on this Stable Diffusion server/),
    });
    expect(generations(fake, job.prompt)).toEqual([]);
  });
});

describe('set-up problems pause the queue with a plain reason and resume by themselves', () => {
  it('401: refused credentials', async () => {
    const { fake, client } = await start(
      { auth: { username: 'party', password: 'right' } },
      { SD_AUTH: 'party:wrong', RENDER_MAX_ATTEMPTS: '1' },
    );
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const paused = await waitFor(async () => {
      const s = await status(client);
      return s.waitingForSd && s.pauseReason ? s : null;
    }, 'the queue paused');
    expect(paused.pauseReason).toMatch(/^Stable Diffusion refused our credentials: check SD_AUTH \(401 /);
    expect(paused.queuedIds).toEqual([job.suggestionId]);
    // The host fixes it on the SD side (or restarts us with the right SD_AUTH): no job was failed meanwhile.
    fake.setAuth({ username: 'party', password: 'wrong' });
    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
    expect((await status(client)).pauseReason).toBeNull();
  });

  it('404: the API is off', async () => {
    const { fake, client } = await start({}, { RENDER_MAX_ATTEMPTS: '1' });
    await waitFor(async () => (await status(client)).sdReachable, 'SD seen once');
    await fake.setMode('api-off');
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    const paused = await waitFor(async () => {
      const s = await status(client);
      return s.waitingForSd && s.pauseReason ? s : null;
    }, 'the queue paused');
    expect(paused.pauseReason).toContain('its API is off: start it with --api');
    await fake.setMode('normal');
    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
  });
});

describe('kept-alive connections', () => {
  it('a reset on a reused idle socket is sent again at once and costs no attempt', async () => {
    const { fake, client } = await start({}, { RENDER_MAX_ATTEMPTS: '1' });
    const warm = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [warm] });
    await resultFor(client, warm.suggestionId);
    await fake.setMode('reset-reused', { failTimes: 1 });
    const job = makeJob();
    await client.call(RendererPattern.Enqueue, { jobs: [job] });
    expect(await resultFor(client, job.suggestionId)).toMatchObject({ status: 'rendered' });
    expect(fake.stats().idleResets).toBe(1);
  });
});
