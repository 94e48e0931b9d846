import { afterEach, describe, expect, it } from 'vitest';
import { startFakeA1111, type FakeA1111, type FakeA1111Options } from './fake-a1111.js';
import { callJson, decodePng, waitFor, type JsonReply } from './testkit.js';

const fakes: FakeA1111[] = [];
async function start(opts: FakeA1111Options = {}): Promise<FakeA1111> {
  const fake = await startFakeA1111(opts);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

interface Progress {
  progress: number;
  eta_relative: number;
  state: {
    skipped: boolean;
    interrupted: boolean;
    stopping_generation: boolean;
    job: string;
    job_count: number;
    job_timestamp: string;
    job_no: number;
    sampling_step: number;
    sampling_steps: number;
  };
  current_image: string | null;
  textinfo: string | null;
}

interface Generation {
  images: string[];
  info: string;
}

const GREY: [number, number, number] = [128, 128, 128];

function progress(fake: FakeA1111, skipCurrentImage = true): Promise<Progress> {
  return callJson<Progress>(`${fake.url}/sdapi/v1/progress?skip_current_image=${skipCurrentImage}`).then(
    (r) => r.body,
  );
}

function txt2img(fake: FakeA1111, body: unknown): Promise<JsonReply<Generation>> {
  return callJson<Generation>(`${fake.url}/sdapi/v1/txt2img`, { body });
}

/** Waits until the running job has passed `step` in batch `jobNo`. */
function reachStep(fake: FakeA1111, step: number, jobNo = 0): Promise<Progress> {
  return waitFor(async () => {
    const p = await progress(fake);
    return p.state.job_count > 0 && p.state.job_no === jobNo && p.state.sampling_step >= step ? p : undefined;
  });
}

describe('fake A1111: /progress', () => {
  it('reports the idle shape before any job', async () => {
    const fake = await start();
    expect(await progress(fake, false)).toEqual({
      progress: 0,
      eta_relative: 0,
      state: {
        skipped: false,
        interrupted: false,
        stopping_generation: false,
        job: '',
        job_count: 0,
        job_timestamp: '0',
        job_no: 0,
        sampling_step: 0,
        sampling_steps: 0,
      },
      current_image: null,
      textinfo: null,
    });
  });

  it('reports the running job with A1111 progress and ETA, then goes idle leaving stale steps', async () => {
    const fake = await start({ stepDelayMs: 15 });
    const job = txt2img(fake, { steps: 30 });
    const busy = await reachStep(fake, 12);
    const s = busy.state;
    expect(s).toMatchObject({
      job: 'scripts_txt2img',
      job_count: 1,
      job_no: 0,
      sampling_steps: 30,
      interrupted: false,
    });
    expect(s.job_timestamp).toMatch(/^\d{14}$/);
    expect(busy.progress).toBeCloseTo(
      Math.min(1, 0.01 + s.job_no / s.job_count + s.sampling_step / s.sampling_steps / s.job_count),
      10,
    );
    expect(busy.progress).toBeGreaterThan(0.4);
    expect(busy.eta_relative).toBeGreaterThan(0);
    expect(busy.current_image).toBeNull();
    const withPreview = await progress(fake, false);
    expect(decodePng(withPreview.current_image!)).toMatchObject({ width: 64, height: 64 });
    expect((await job).status).toBe(200);
    const idle = await progress(fake);
    expect(idle).toMatchObject({ progress: 0, eta_relative: 0, current_image: null });
    expect(idle.state).toMatchObject({ job: '', job_count: 0, job_no: 1, sampling_steps: 30 });
  });

  it('names batches "Batch k out of n" when n_iter > 1', async () => {
    const fake = await start({ stepDelayMs: 10 });
    const job = txt2img(fake, { steps: 10, n_iter: 2 });
    const second = await reachStep(fake, 1, 1);
    expect(second.state).toMatchObject({ job: 'Batch 2 out of 2', job_count: 2 });
    expect(second.progress).toBeGreaterThan(0.5);
    expect((await job).body.images).toHaveLength(2);
  });

  it('validates skip_current_image as a query bool', async () => {
    const fake = await start();
    const reply = await callJson(`${fake.url}/sdapi/v1/progress?skip_current_image=perhaps`);
    expect(reply).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['query', 'skip_current_image'], type: 'type_error.bool' }] },
    });
  });
});

describe('fake A1111: the global lock', () => {
  it('runs concurrent generations one after the other and counts the busy time', async () => {
    const fake = await start({ fixedDelayMs: 150 });
    const t0 = Date.now();
    const first = txt2img(fake, { steps: 50 });
    const second = txt2img(fake, { steps: 5 });
    expect(await waitFor(() => (fake.stats().waiting === 1 ? true : undefined))).toBe(true);
    const replies = await Promise.all([first, second]);
    const wall = Date.now() - t0;
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const stats = fake.stats();
    expect(stats.generations).toBe(2);
    const [a, b] = stats.jobs;
    expect(b!.startAt).toBeGreaterThanOrEqual(a!.endAt);
    // fixedDelayMs makes each job take that long whatever its step count.
    for (const span of stats.jobs) expect(span.endAt - span.startAt).toBeGreaterThanOrEqual(148);
    expect(stats.busyMs).toBeGreaterThanOrEqual(296);
    expect(wall).toBeGreaterThanOrEqual(296);
    expect(stats.firstStartAt).toBe(a!.startAt);
    expect(stats.lastEndAt).toBe(b!.endAt);
  });

  it('makes a checkpoint switch through /options wait for the running job', async () => {
    const fake = await start({ fixedDelayMs: 200 });
    const job = txt2img(fake, { steps: 4 });
    await waitFor(() => (fake.stats().running ? true : undefined));
    const switched = await callJson(`${fake.url}/sdapi/v1/options`, {
      body: { sd_model_checkpoint: 'sd_xl_base_1.0' },
    });
    const switchedAt = Date.now();
    expect(switched.status).toBe(200);
    await job;
    const [generation, modelSwitch] = fake.stats().jobs;
    expect(generation!.kind).toBe('txt2img');
    expect(modelSwitch!.kind).toBe('model-switch');
    expect(modelSwitch!.startAt).toBeGreaterThanOrEqual(generation!.endAt);
    expect(switchedAt).toBeGreaterThanOrEqual(generation!.endAt);
  });

  it('keeps generating and holding the lock after the client has gone', async () => {
    const fake = await start({ fixedDelayMs: 300 });
    await expect(
      callJson(`${fake.url}/sdapi/v1/txt2img`, { body: { steps: 3 }, signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    expect(fake.stats().running).toBe(true);
    const span = await waitFor(() => fake.stats().jobs[0]);
    expect(span.outcome).toBe('ok');
    expect(span.endAt - span.startAt).toBeGreaterThanOrEqual(298);
  });

  it('loads the model on the first job (cold start) and after a checkpoint switch only', async () => {
    const fake = await start({ modelLoadMs: 150 });
    for (let i = 0; i < 2; i++) await txt2img(fake, { steps: 1 });
    await txt2img(fake, { steps: 1, override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0' } });
    const durations = fake.stats().jobs.map((j) => j.endAt - j.startAt);
    expect(durations[0]).toBeGreaterThanOrEqual(148);
    expect(durations[1]).toBeLessThan(148);
    expect(durations[2]).toBeGreaterThanOrEqual(148);
  });

  it('closes promptly while a long job runs', async () => {
    const fake = await startFakeA1111({ fixedDelayMs: 10_000 });
    const job = txt2img(fake, { steps: 3 });
    await waitFor(() => (fake.stats().running ? true : undefined));
    const t0 = Date.now();
    await fake.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    await expect(job).rejects.toThrow();
  });
});

describe('fake A1111: interrupt and skip', () => {
  it('interrupt answers {} and the job returns 200 at once with a partial image', async () => {
    const fake = await start({ stepDelayMs: 20 });
    const t0 = Date.now();
    const job = txt2img(fake, { steps: 50, seed: 5, n_iter: 3 });
    await reachStep(fake, 3);
    expect(await callJson(`${fake.url}/sdapi/v1/interrupt`, { method: 'POST' })).toMatchObject({
      status: 200,
      body: {},
    });
    const { status, body } = await job;
    expect(status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(50 * 20);
    // The remaining batches are skipped, but all_seeds still lists every planned image.
    expect(body.images).toHaveLength(1);
    expect(JSON.parse(body.info).all_seeds).toEqual([5, 6, 7]);
    expect(decodePng(body.images[0]!).topPixel).toEqual(GREY);
    expect((await progress(fake)).state.interrupted).toBe(true);
    expect(fake.stats()).toMatchObject({ interrupts: 1, interruptedGenerations: 1 });
  });

  it('does nothing when idle: the flag resets when the next job begins', async () => {
    const fake = await start();
    await callJson(`${fake.url}/sdapi/v1/interrupt`, { method: 'POST' });
    const { body } = await txt2img(fake, { steps: 5, seed: 1 });
    expect(decodePng(body.images[0]!).topPixel).not.toEqual(GREY);
    expect(fake.stats()).toMatchObject({ interrupts: 1, interruptedGenerations: 0 });
  });

  it('skip answers null, cuts the current batch short and goes on with the next', async () => {
    const fake = await start({ stepDelayMs: 10 });
    const job = txt2img(fake, { steps: 20, n_iter: 2, seed: 3 });
    await reachStep(fake, 2, 0);
    expect(await callJson(`${fake.url}/sdapi/v1/skip`, { method: 'POST' })).toMatchObject({
      status: 200,
      body: null,
    });
    const { body } = await job;
    expect(body.images).toHaveLength(2);
    expect(decodePng(body.images[0]!).topPixel).toEqual(GREY);
    expect(decodePng(body.images[1]!).topPixel).not.toEqual(GREY);
  });
});
