import { afterEach, describe, expect, it } from 'vitest';
import { startFakeA1111, type FakeA1111, type FakeA1111Options } from './fake-a1111.js';
import { callJson, decodePng, pngChunks } from './testkit.js';

const fakes: FakeA1111[] = [];
async function start(opts: FakeA1111Options = {}): Promise<FakeA1111> {
  const fake = await startFakeA1111(opts);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

interface GenerationBody {
  images: string[];
  parameters: Record<string, unknown>;
  info: string;
}

const INFO_KEYS = [
  'prompt',
  'all_prompts',
  'negative_prompt',
  'all_negative_prompts',
  'seed',
  'all_seeds',
  'subseed',
  'all_subseeds',
  'subseed_strength',
  'width',
  'height',
  'sampler_name',
  'cfg_scale',
  'steps',
  'batch_size',
  'restore_faces',
  'face_restoration_model',
  'sd_model_name',
  'sd_model_hash',
  'sd_vae_name',
  'sd_vae_hash',
  'seed_resize_from_w',
  'seed_resize_from_h',
  'denoising_strength',
  'extra_generation_params',
  'index_of_first_image',
  'infotexts',
  'styles',
  'job_timestamp',
  'clip_skip',
  'is_using_inpainting_conditioning',
  'version',
];

async function txt2img(fake: FakeA1111, body: unknown) {
  const reply = await callJson<GenerationBody>(`${fake.url}/sdapi/v1/txt2img`, { body });
  return {
    ...reply,
    info: reply.status === 200 ? (JSON.parse(reply.body.info) as Record<string, unknown>) : {},
  };
}

describe('fake A1111: txt2img output', () => {
  it('answers an empty request with A1111 defaults: 50 steps, Euler, 512², a random uint32 seed', async () => {
    const fake = await start();
    const { status, body, info, headers } = await txt2img(fake, {});
    expect(status).toBe(200);
    expect(typeof body.info).toBe('string');
    expect(Object.keys(info)).toEqual(INFO_KEYS);
    expect(info).toMatchObject({
      steps: 50,
      sampler_name: 'Euler',
      cfg_scale: 7,
      width: 512,
      height: 512,
      batch_size: 1,
    });
    expect(info['seed']).toBeGreaterThanOrEqual(0);
    expect(info['seed']).toBeLessThan(2 ** 32);
    expect(info['all_seeds']).toEqual([info['seed']]);
    expect(body.parameters).toMatchObject({
      steps: 50,
      seed: -1,
      sampler_name: null,
      sampler_index: 'Euler',
    });
    expect(headers.get('x-process-time')).toMatch(/^\d+\.\d+$/);
    expect(decodePng(body.images[0]!)).toMatchObject({ width: 512, height: 512 });
  });

  it('returns a real PNG rounded down to a multiple of 8 carrying an A1111 infotext', async () => {
    const fake = await start();
    const { body, info } = await txt2img(fake, {
      prompt: 'a lighthouse, oil',
      negative_prompt: 'blurry',
      width: 500,
      height: 300,
      steps: 7,
      seed: 1234,
      sampler_name: 'Euler a',
    });
    expect(body.images[0]).not.toMatch(/^data:/);
    const bytes = Buffer.from(body.images[0]!, 'base64');
    expect(decodePng(body.images[0]!)).toMatchObject({ width: 496, height: 296 });
    const { types, text } = pngChunks(bytes);
    expect(types.slice(0, 3)).toEqual(['IHDR', 'tEXt', 'IDAT']);
    expect(text['parameters']).toBe(
      'a lighthouse, oil\nNegative prompt: blurry\nSteps: 7, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7.0, ' +
        'Seed: 1234, Size: 500x300, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1',
    );
    expect(info['infotexts']).toEqual([text['parameters']]);
    // A1111 reports the requested size in info even though the latent rounds it down.
    expect(info).toMatchObject({ width: 500, height: 300, seed: 1234 });
  });

  it('numbers the seeds of a batch and writes each seed into its own image', async () => {
    const fake = await start();
    const { body, info } = await txt2img(fake, {
      prompt: 'x',
      seed: 100,
      batch_size: 2,
      n_iter: 2,
      steps: 2,
    });
    expect(body.images).toHaveLength(4);
    expect(info['all_seeds']).toEqual([100, 101, 102, 103]);
    const seeds = body.images.map(
      (b64) => /Seed: (\d+)/.exec(pngChunks(Buffer.from(b64, 'base64')).text['parameters']!)![1],
    );
    expect(seeds).toEqual(['100', '101', '102', '103']);
  });

  it('prepends a grid only when save_images is on and there is more than one image', async () => {
    const fake = await start();
    const withGrid = await txt2img(fake, {
      batch_size: 2,
      steps: 1,
      width: 64,
      height: 64,
      save_images: true,
    });
    expect(withGrid.body.images).toHaveLength(3);
    expect(withGrid.info['index_of_first_image']).toBe(1);
    expect(decodePng(withGrid.body.images[0]!)).toMatchObject({ width: 128, height: 64 });
    const noGrid = await txt2img(fake, { batch_size: 2, steps: 1, width: 64, height: 64 });
    expect(noGrid.body.images).toHaveLength(2);
    expect(noGrid.info['index_of_first_image']).toBe(0);
  });

  it('upscales with hires fix while info keeps the first-pass size', async () => {
    const fake = await start();
    const { body, info } = await txt2img(fake, {
      width: 256,
      height: 128,
      steps: 2,
      enable_hr: true,
      hr_scale: 2,
    });
    expect(decodePng(body.images[0]!)).toMatchObject({ width: 512, height: 256 });
    expect(info).toMatchObject({ width: 256, height: 128 });
    expect(info['extra_generation_params']).toMatchObject({ 'Hires upscale': 2, 'Denoising strength': 0.75 });
  });

  it('sends no images when send_images is false', async () => {
    const fake = await start();
    const { status, body } = await txt2img(fake, { steps: 1, send_images: false });
    expect(status).toBe(200);
    expect(body.images).toEqual([]);
  });

  it('encodes a 2048² image', async () => {
    const fake = await start();
    const { body } = await txt2img(fake, { width: 2048, height: 2048, steps: 1 });
    expect(decodePng(body.images[0]!)).toMatchObject({ width: 2048, height: 2048 });
  });

  it('fakes JPEG and WEBP samples with the right magic bytes when samples_format says so', async () => {
    const jpeg = await start({ samplesFormat: 'jpeg' });
    const j = Buffer.from((await txt2img(jpeg, { steps: 1 })).body.images[0]!, 'base64');
    expect([...j.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const webp = await start({ samplesFormat: 'webp' });
    const w = Buffer.from((await txt2img(webp, { steps: 1 })).body.images[0]!, 'base64');
    expect(w.toString('latin1', 0, 4)).toBe('RIFF');
    expect(w.toString('latin1', 8, 12)).toBe('WEBP');
  });

  it('gzips large bodies for clients that accept it, like A1111', async () => {
    const fake = await start();
    const res = await fetch(`${fake.url}/sdapi/v1/options`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.json()).toHaveProperty('sd_model_checkpoint');
  });
});

describe('fake A1111: validation', () => {
  it('coerces like pydantic v1 and ignores unknown keys', async () => {
    const fake = await start();
    const { status, info } = await txt2img(fake, {
      prompt: 42,
      steps: '3',
      cfg_scale: '6.5',
      seed: 10.9,
      restore_faces: 'yes',
      no_such_field: { anything: true },
    });
    expect(status).toBe(200);
    expect(info).toMatchObject({ prompt: '42', steps: 3, cfg_scale: 6.5, seed: 10, restore_faces: true });
  });

  it('collects type errors into a 422 {detail:[{loc,msg,type}]}', async () => {
    const fake = await start();
    const { status, body } = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { width: 'wide', steps: 2.5, styles: ['ok', {}], restore_faces: 'maybe', override_settings: 3 },
    });
    expect(status).toBe(422);
    expect(body).toEqual({
      detail: [
        { loc: ['body', 'styles', 1], msg: 'str type expected', type: 'type_error.str' },
        { loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' },
        {
          loc: ['body', 'restore_faces'],
          msg: 'value could not be parsed to a boolean',
          type: 'type_error.bool',
        },
        { loc: ['body', 'override_settings'], msg: 'value is not a valid dict', type: 'type_error.dict' },
      ],
    });
    expect(fake.stats().generations).toBe(0);
  });

  it('answers malformed JSON, a non-object and an empty body with FastAPI 422s', async () => {
    const fake = await start();
    const url = `${fake.url}/sdapi/v1/txt2img`;
    const malformed = await callJson<{ detail: { loc: unknown[]; type: string }[] }>(url, {
      rawBody: '{"prompt": ',
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail[0]).toMatchObject({ loc: ['body', 11], type: 'value_error.jsondecode' });
    const list = await callJson(url, { body: [1, 2] });
    expect(list).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['body'], type: 'type_error.dict' }] },
    });
    const empty = await callJson(url, { rawBody: '' });
    expect(empty).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['body'], msg: 'field required' }] },
    });
  });

  it('falls back silently from an unknown sampler to DPM++ 2M and splits a scheduler suffix', async () => {
    const fake = await start();
    const unknown = await txt2img(fake, { sampler_name: 'Sampler From The Future', steps: 1 });
    expect(unknown.info['sampler_name']).toBe('DPM++ 2M');
    expect((unknown.info['infotexts'] as string[])[0]).toContain('Sampler: DPM++ 2M, Schedule type: Karras');
    const suffixed = await txt2img(fake, { sampler_name: 'Euler Karras', steps: 1 });
    expect(suffixed.info['sampler_name']).toBe('Euler');
    expect((suffixed.info['infotexts'] as string[])[0]).toContain('Schedule type: Karras');
  });

  it('answers an unknown sampler with 404 in ≤1.8 mode', async () => {
    const fake = await start({ legacySamplerNotFound: true });
    const { status, body } = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { sampler_name: 'Nope' },
    });
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'HTTPException', detail: 'Sampler not found', body: '', errors: '' });
  });

  it('fails an unknown override_settings key with a 500 KeyError but ignores an unknown checkpoint', async () => {
    const fake = await start();
    const bad = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { override_settings: { filter_nsfw: true } },
    });
    expect(bad).toEqual(expect.objectContaining({ status: 500 }));
    expect(bad.body).toEqual({ error: 'KeyError', detail: '', body: '', errors: "'filter_nsfw'" });
    const ignored = await txt2img(fake, {
      steps: 1,
      override_settings: { sd_model_checkpoint: 'missing.ckpt' },
    });
    expect(ignored.status).toBe(200);
    expect(ignored.info['sd_model_name']).toBe('v1-5-pruned-emaonly');
  });

  it('applies a known checkpoint override for one job and restores the setting afterwards', async () => {
    const fake = await start();
    const { info } = await txt2img(fake, {
      steps: 1,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0' },
    });
    expect(info['sd_model_name']).toBe('sd_xl_base_1.0');
    const options = await callJson<Record<string, unknown>>(`${fake.url}/sdapi/v1/options`);
    expect(options.body['sd_model_checkpoint']).toBe('v1-5-pruned-emaonly.safetensors [6ce0161689]');
  });
});

describe('fake A1111: img2img', () => {
  it('answers a missing init_images with the 404 HTTPException body', async () => {
    const fake = await start();
    const { status, body } = await callJson(`${fake.url}/sdapi/v1/img2img`, { body: { prompt: 'x' } });
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'HTTPException', detail: 'Init image not found', body: '', errors: '' });
  });

  it('answers bad base64 with 500 "Invalid encoded image"', async () => {
    const fake = await start();
    const { status, body } = await callJson(`${fake.url}/sdapi/v1/img2img`, {
      body: { init_images: ['bm90IGFuIGltYWdl'] },
    });
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'HTTPException', detail: 'Invalid encoded image', body: '', errors: '' });
  });

  it('accepts a PNG (raw or data URL), records its length and leaves it out of the echo', async () => {
    const fake = await start();
    const init = (await txt2img(fake, { width: 64, height: 64, steps: 1 })).body.images[0]!;
    fake.reset();
    for (const image of [init, `data:image/png;base64,${init}`]) {
      const { status, body } = await callJson<GenerationBody>(`${fake.url}/sdapi/v1/img2img`, {
        body: { init_images: [image], prompt: 'repaint', steps: 10, width: 128, height: 64 },
      });
      expect(status).toBe(200);
      expect(body.parameters['init_images']).toBeNull();
      expect(decodePng(body.images[0]!)).toMatchObject({ width: 128, height: 64 });
      expect(JSON.parse(body.info)['extra_generation_params']).toEqual({ 'Denoising strength': 0.75 });
    }
    expect(fake.requests.map((r) => r.initImageLengths)).toEqual([[init.length], [init.length + 22]]);
    const recorded = (fake.requests[0]!.body as { init_images: string[] }).init_images[0]!;
    expect(recorded).toContain(`[${init.length} chars]`);
  });
});

describe('fake A1111: other routes', () => {
  it('answers unknown routes and wrong methods like Starlette', async () => {
    const fake = await start();
    expect(await callJson(`${fake.url}/sdapi/v1/nope`)).toMatchObject({
      status: 404,
      body: { detail: 'Not Found' },
    });
    expect(await callJson(`${fake.url}/internal/ping`)).toMatchObject({ status: 404 });
    expect(await callJson(`${fake.url}/sdapi/v1/txt2img`)).toMatchObject({
      status: 405,
      body: { detail: 'Method Not Allowed' },
    });
  });

  it('serves /internal/ping in UI mode', async () => {
    const fake = await start({ uiMode: true });
    expect(await callJson(`${fake.url}/internal/ping`)).toMatchObject({ status: 200, body: {} });
  });

  it('lists two checkpoints, the samplers and the schedulers', async () => {
    const fake = await start();
    const models = await callJson<{ title: string; model_name: string; hash: string }[]>(
      `${fake.url}/sdapi/v1/sd-models`,
    );
    expect(models.body).toHaveLength(2);
    for (const m of models.body) expect(m.title).toBe(`${m.model_name}.safetensors [${m.hash}]`);
    expect(models.body[0]!.title).toBe('v1-5-pruned-emaonly.safetensors [6ce0161689]');
    const samplers = await callJson<{ name: string; aliases: string[] }[]>(`${fake.url}/sdapi/v1/samplers`);
    expect(samplers.body[0]).toMatchObject({ name: 'DPM++ 2M', aliases: ['k_dpmpp_2m'] });
    expect(samplers.body.map((s) => s.name)).toContain('Euler');
    const schedulers = await callJson<{ label: string }[]>(`${fake.url}/sdapi/v1/schedulers`);
    expect(schedulers.body.map((s) => s.label)).toEqual(
      expect.arrayContaining(['Automatic', 'Uniform', 'Karras']),
    );
  });

  it('reads and writes options with A1111 errors for unknown keys and checkpoints', async () => {
    const fake = await start();
    const url = `${fake.url}/sdapi/v1/options`;
    const options = await callJson<Record<string, unknown>>(url);
    expect(options.body).toMatchObject({
      samples_format: 'png',
      sd_vae: 'Automatic',
      CLIP_stop_at_last_layers: 1,
    });
    expect(await callJson(url, { body: { filter_nsfw: true } })).toMatchObject({
      status: 500,
      body: { error: 'KeyError', errors: "'filter_nsfw'" },
    });
    expect(await callJson(url, { body: { sd_model_checkpoint: 'nope' } })).toMatchObject({
      status: 500,
      body: { error: 'RuntimeError', errors: "model 'nope' not found" },
    });
    const set = await callJson(url, {
      body: { sd_model_checkpoint: 'sd_xl_base_1.0', CLIP_stop_at_last_layers: 2 },
    });
    expect(set).toMatchObject({ status: 200, body: null });
    const after = await callJson<Record<string, unknown>>(url);
    expect(after.body['sd_model_checkpoint']).toBe('sd_xl_base_1.0.safetensors [31e35c80fc]');
    const { info } = await txt2img(fake, { steps: 1 });
    expect(info).toMatchObject({ sd_model_name: 'sd_xl_base_1.0', clip_skip: 2 });
    expect((info['infotexts'] as string[])[0]).toContain('Clip skip: 2');
  });

  it('switches the output format through samples_format', async () => {
    const fake = await start();
    await callJson(`${fake.url}/sdapi/v1/options`, { body: { samples_format: 'jpeg' } });
    const { body } = await txt2img(fake, { steps: 1 });
    expect([...Buffer.from(body.images[0]!, 'base64').subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });
});
