import { httpException, pythonException } from './errors.js';
import { decodeImage } from './init-image.js';
import { Job, type GenerationDeps, type GenerationKind, type InjectedFailure, type Sample } from './job.js';
import { encodePng, fakeJpeg, fakeWebp } from './png.js';
import { pyDumps } from './python.js';
import { SDNEXT_SAMPLERS } from './catalog.js';
import { resolveSampler } from './sampling.js';
import { createTaskId } from './tasks.js';
import type { JobOutcome } from './types.js';

export type { GenerationConfig, GenerationDeps, GenerationKind, InjectedFailure } from './job.js';

/**
 * One /sdapi/v1/txt2img or /img2img call, in the order modules/api/api.py and modules/processing.py run it:
 * checks before the lock, then under the lock state.begin, settings overrides, model load, n_iter batches
 * of sampling steps (interruptible at each step), grid, restore, state.end; encoding happens after release.
 */

export interface GenerationResponse {
  images: string[];
  parameters: Record<string, unknown>;
  info: string;
}

/** Always-on scripts that ship with A1111 1.10; an unknown one is a 422. */
const BUILTIN_ALWAYSON = new Set([
  'refiner',
  'seed',
  'sampler',
  'comments',
  'extra options',
  'hypertile',
  'soft inpainting',
]);

export async function generate(
  deps: GenerationDeps,
  kind: GenerationKind,
  values: Record<string, unknown>,
  failure: InjectedFailure | null,
): Promise<GenerationResponse> {
  const initImages = checkBeforeLock(deps, kind, values);
  const sdnext = deps.config.flavour === 'sdnext';
  const sampling = resolveSampler(
    (values['sampler_name'] || values['sampler_index'] || null) as string | null,
    // SD.Next's request has no scheduler of its own.
    sdnext ? null : (values['scheduler'] as string | null),
    deps.config.legacySamplerNotFound || sdnext,
    sdnext ? SDNEXT_SAMPLERS : undefined,
  );
  // SD.Next does not register API jobs with the task tracker; A1111 and Forge do, under force_task_id.
  const taskId = sdnext ? null : ((values['force_task_id'] as string | null) ?? createTaskId(kind));
  if (taskId) deps.tasks.add(taskId);
  const release = await deps.lock.acquire();
  deps.stats.lockTaken(kind);
  let outcome: JobOutcome = 'failed';
  let run: { samples: Sample[]; info: Record<string, unknown>; cut: boolean };
  try {
    for (const image of initImages ?? []) decodeImage(image, deps.options.data);
    deps.state.begin(`scripts_${kind}`);
    if (taskId) deps.tasks.start(taskId);
    try {
      run = await new Job(deps, kind, values, sampling, initImages).run(failure);
      if (taskId) deps.tasks.finish(taskId);
    } finally {
      deps.state.end();
    }
    outcome = failure === 'reset' ? 'reset' : run.cut ? 'interrupted' : 'ok';
  } finally {
    deps.stats.lockReleased(outcome);
    release();
  }
  const parameters = { ...values };
  if (kind === 'img2img' && !values['include_init_images']) {
    parameters['init_images'] = null;
    parameters['mask'] = null;
  }
  // SD.Next answers some failed generations with a 200 that holds nothing.
  if (failure === 'empty200') return { images: [], parameters, info: '' };
  const images =
    values['send_images'] === false ? [] : run.samples.map((s) => encodeSample(s, deps.options.data));
  // Forge (and extensions such as ControlNet) append extra images, e.g. control maps, after the generated ones.
  if (deps.config.flavour === 'forge' && images.length > 0) {
    images.push(
      encodePng({ width: 64, height: 64, seed: 0, partial: false, infotext: null }).toString('base64'),
    );
  }
  return { images, parameters, info: pyDumps(run.info) };
}

function checkBeforeLock(
  deps: GenerationDeps,
  kind: GenerationKind,
  values: Record<string, unknown>,
): unknown[] | null {
  let initImages: unknown[] | null = null;
  if (kind === 'img2img') {
    if (values['init_images'] === null) throw httpException(404, 'Init image not found');
    initImages = values['init_images'] as unknown[];
    if (values['mask']) decodeImage(values['mask'], deps.options.data);
  }
  const scriptName = values['script_name'];
  // The fake has no selectable scripts (X/Y/Z plot etc.), so any name is "not found".
  if (typeof scriptName === 'string' && scriptName !== '') {
    throw httpException(422, `Script '${scriptName}' not found`);
  }
  const alwayson = values['alwayson_scripts'];
  if (alwayson === null) throw pythonException('AttributeError', "'NoneType' object has no attribute 'keys'");
  for (const name of Object.keys(alwayson as Record<string, unknown>)) {
    if (!BUILTIN_ALWAYSON.has(name.toLowerCase())) {
      throw httpException(422, `always on script ${name} not found`);
    }
  }
  return initImages;
}

function encodeSample(sample: Sample, options: Record<string, unknown>): string {
  const format = String(options['samples_format']).toLowerCase();
  const { width, height } = sample;
  if (format === 'png') {
    const infotext = options['enable_pnginfo'] ? sample.infotext : null;
    return encodePng({ ...sample, infotext }).toString('base64');
  }
  if (format === 'jpg' || format === 'jpeg') return fakeJpeg(width, height).toString('base64');
  if (format === 'webp') return fakeWebp(width, height).toString('base64');
  throw httpException(500, 'Invalid image format');
}
