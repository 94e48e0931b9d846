import { DEFAULT_GENERATION_SETTINGS, type RenderJob } from '#contracts';
import { describe, expect, it } from 'vitest';
import { SdFailure } from '../sd-failure.js';
import type { A1111Checkpoint } from './a1111-choices.js';
import {
  buildA1111Request,
  parseA1111Response,
  parseServerProgress,
  parseTaskProgress,
  type A1111RequestOptions,
} from './a1111-payload.js';

const PNG_B64 = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82,
]).toString('base64');
const JPEG_B64 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString('base64');

const job: RenderJob = {
  suggestionId: 1,
  prompt: 'a lighthouse in a storm',
  width: 768,
  height: 512,
  settings: {
    steps: 25,
    cfgScale: 6.5,
    sampler: 'Euler a',
    scheduler: '',
    negativePrompt: 'blurry',
    model: '',
  },
  colourHex: '#336699',
};

const sdxl: A1111Checkpoint = {
  title: 'sdxl.safetensors [0123456789]',
  model_name: 'sdxl',
  hash: '0123456789',
  sha256: null,
  filename: '/models/sdxl.safetensors',
};
const options = (
  over: Partial<A1111RequestOptions['choices']> = {},
  restoreModel = false,
): A1111RequestOptions => ({
  choices: { sampler: 'Euler a', scheduler: null, checkpoint: null, ...over },
  taskId: 'vernissage-1-abc',
  restoreModel,
});

describe('buildA1111Request', () => {
  it('sends txt2img with every generation field explicit', () => {
    expect(buildA1111Request(job, options())).toEqual({
      path: '/sdapi/v1/txt2img',
      body: {
        prompt: 'a lighthouse in a storm',
        negative_prompt: 'blurry',
        steps: 25,
        cfg_scale: 6.5,
        sampler_name: 'Euler a',
        width: 768,
        height: 512,
        seed: -1,
        n_iter: 1,
        batch_size: 1,
        send_images: true,
        save_images: false,
        force_task_id: 'vernissage-1-abc',
      },
    });
  });

  it('sends the scheduler the server listed, only when one is chosen', () => {
    expect(buildA1111Request(job, options({ sampler: 'DPM++ 2M', scheduler: 'karras' })).body).toMatchObject({
      sampler_name: 'DPM++ 2M',
      scheduler: 'karras',
    });
    expect(buildA1111Request(job, options()).body).not.toHaveProperty('scheduler');
  });

  it('overrides the checkpoint only when a model is set, and keeps it loaded', () => {
    const { body } = buildA1111Request(job, options({ checkpoint: sdxl }));
    expect(body['override_settings']).toEqual({ sd_model_checkpoint: 'sdxl.safetensors [0123456789]' });
    expect(body['override_settings_restore_afterwards']).toBe(false);
    // A shared server gets its own model back after our job.
    expect(
      buildA1111Request(job, options({ checkpoint: sdxl }, true)).body[
        'override_settings_restore_afterwards'
      ],
    ).toBe(true);
    expect(
      buildA1111Request({ ...job, settings: DEFAULT_GENERATION_SETTINGS }, options()).body,
    ).not.toHaveProperty('override_settings');
  });

  it('switches to img2img with the init image when one is given', () => {
    const { path, body } = buildA1111Request({ ...job, initImage: PNG_B64 }, options());
    expect(path).toBe('/sdapi/v1/img2img');
    expect(body).toMatchObject({
      init_images: [PNG_B64],
      denoising_strength: 0.6,
      resize_mode: 0,
      prompt: job.prompt,
    });
  });
});

describe('parseA1111Response', () => {
  it('parses info from its JSON string and takes the seed from it', () => {
    const info = JSON.stringify({ seed: 3_141_592_653, sampler_name: 'Euler a', index_of_first_image: 0 });
    const result = parseA1111Response({ images: [PNG_B64], parameters: {}, info });
    expect(result).toEqual({
      image: PNG_B64,
      mime: 'image/png',
      seed: 3_141_592_653,
      info: { seed: 3_141_592_653, sampler_name: 'Euler a', index_of_first_image: 0 },
    });
  });

  it('sniffs JPEG, strips a data: prefix and honours index_of_first_image', () => {
    const info = JSON.stringify({ seed: 1, index_of_first_image: 1 });
    const result = parseA1111Response({ images: [PNG_B64, `data:image/jpeg;base64,${JPEG_B64}`], info });
    expect(result.mime).toBe('image/jpeg');
    expect(result.image).toBe(JPEG_B64);
  });

  it("tolerates SD.Next's empty info, and fails an empty images list with a clear reason", () => {
    expect(parseA1111Response({ images: [PNG_B64], info: '' })).toMatchObject({ seed: null, info: {} });
    const empty = () => parseA1111Response({ images: [], info: '' });
    expect(empty).toThrow(SdFailure);
    expect(empty).toThrow('Stable Diffusion returned no image');
  });

  it('refuses output that is not an image', () => {
    const notImage = Buffer.from('<html>hello</html>').toString('base64');
    expect(() => parseA1111Response({ images: [notImage], info: '{}' })).toThrow('not a PNG, JPEG or WEBP');
    expect(() => parseA1111Response('<html>')).toThrow('without an images list');
  });
});

describe('progress readings', () => {
  it("reads the web UI's tracker for our task: queued, loading, running, done", () => {
    expect(
      parseTaskProgress({ active: false, queued: true, completed: false, textinfo: 'In queue: 2/2' }),
    ).toEqual({
      state: 'queued',
      fraction: null,
    });
    // job_count −1 while the model loads: the tracker says progress 0, and no ETA comes with it.
    expect(
      parseTaskProgress({ active: true, queued: false, completed: false, progress: 0, eta: null }),
    ).toEqual({
      state: 'active',
      fraction: 0,
    });
    expect(parseTaskProgress({ active: true, queued: false, completed: false, progress: 0.42 })).toEqual({
      state: 'active',
      fraction: 0.42,
    });
    expect(parseTaskProgress({ active: false, queued: false, completed: true })).toEqual({
      state: 'completed',
      fraction: 1,
    });
    expect(parseTaskProgress({ active: false, queued: false, completed: false })).toEqual({
      state: 'unknown',
      fraction: null,
    });
  });

  it("reads /sdapi/v1/progress without A1111's 0.01 floor, and nothing while a model loads", () => {
    const state = (s: Record<string, number>) => ({ progress: 0.01, eta_relative: 99, state: s });
    expect(parseServerProgress(state({ job_count: 0 }))).toEqual({ busy: false, fraction: null });
    expect(
      parseServerProgress(state({ job_count: -1, job_no: 0, sampling_step: 0, sampling_steps: 0 })),
    ).toEqual({ busy: true, fraction: null });
    expect(
      parseServerProgress(state({ job_count: 1, job_no: 0, sampling_step: 5, sampling_steps: 20 })),
    ).toEqual({ busy: true, fraction: 0.25 });
  });
});
