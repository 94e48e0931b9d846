import { setTimeout as sleep } from 'node:timers/promises';
import { A1111_VERSION, findCheckpoint, type Checkpoint } from './catalog.js';
import { ILLEGAL_ACCESS_MESSAGE, oomError, pythonException } from './errors.js';
import { createInfotext, type InfotextInput } from './infotext.js';
import type { QueueLock } from './lock.js';
import type { OptionsStore } from './options.js';
import { isPlainObject } from './pydantic.js';
import { PyFloat } from './python.js';
import type { ResolvedSampler } from './sampling.js';
import type { SharedState } from './state.js';
import type { StatsTracker } from './stats.js';
import type { TaskTracker } from './tasks.js';
import type { FakeFlavour } from './types.js';

/**
 * The part of a generation that runs under the lock (modules/processing.py process_images): settings
 * overrides, model load, n_iter batches of sampling steps that an interrupt or skip can cut short, the grid.
 */

export type GenerationKind = 'txt2img' | 'img2img';
export type InjectedFailure = 'error500' | 'oom' | 'broken' | 'reset' | 'stall' | 'empty200' | 'ignore-model';

export interface GenerationConfig {
  stepDelayMs: number;
  fixedDelayMs: number | undefined;
  modelLoadMs: number;
  oomPixels: number;
  legacySamplerNotFound: boolean;
  flavour: FakeFlavour;
}

export interface GenerationDeps {
  lock: QueueLock;
  state: SharedState;
  stats: StatsTracker;
  options: OptionsStore;
  tasks: TaskTracker;
  config: GenerationConfig;
  /** Aborted when the server closes, so no timer outlives it. */
  signal: AbortSignal;
}

export interface Sample {
  width: number;
  height: number;
  seed: number;
  partial: boolean;
  infotext: string;
}

/** get_fixed_seed: only -1 (or None) is random, drawn like random.randrange(4294967294). */
function fixedSeed(seed: unknown): number {
  if (seed === null || seed === -1) return Math.floor(Math.random() * 4294967294);
  return seed as number;
}

const floor8 = (n: number) => Math.floor(n / 8) * 8;

export class Job {
  private stepsDone = 0;
  private totalSteps = 1;
  private t0 = 0;
  /** 'stall': the job holds the lock and makes no progress until it is interrupted (a hang that an interrupt ends). */
  private stall = false;

  constructor(
    private readonly deps: GenerationDeps,
    private readonly kind: GenerationKind,
    private readonly v: Record<string, unknown>,
    private readonly sampling: ResolvedSampler,
    private readonly initImages: unknown[] | null,
  ) {}

  async run(
    failure: InjectedFailure | null,
  ): Promise<{ samples: Sample[]; info: Record<string, unknown>; cut: boolean }> {
    if (failure === 'oom' || failure === 'error500' || failure === 'broken') {
      // Real failures surface after some sampling; one step's worth of time keeps tests quick.
      this.t0 = Date.now();
      this.totalSteps = Math.max(1, Number(this.v['steps']) || 1);
      await this.tick();
      throw failure === 'broken' ? pythonException('RuntimeError', ILLEGAL_ACCESS_MESSAGE) : oomError();
    }
    this.stall = failure === 'stall';
    const overrides = isPlainObject(this.v['override_settings']) ? { ...this.v['override_settings'] } : {};
    // 'ignore-model': the server could not load the override (Forge, SD.Next log it and go on with theirs).
    if (failure === 'ignore-model') delete overrides['sd_model_checkpoint'];
    const options = this.deps.options;
    const stored = Object.keys(overrides)
      .filter((k) => options.has(k))
      .map((k) => [k, options.data[k]] as const);
    try {
      const override = overrides['sd_model_checkpoint'];
      // An unknown checkpoint override is dropped silently and the configured model is used.
      const overrideCheckpoint = typeof override === 'string' ? findCheckpoint(override) : undefined;
      if (!overrideCheckpoint) {
        delete overrides['sd_model_checkpoint'];
        await this.ensureModel(options.selectedCheckpoint());
      }
      for (const [key, value] of Object.entries(overrides)) {
        options.set(key, value);
        if (key === 'sd_model_checkpoint' && overrideCheckpoint) {
          options.data[key] = overrideCheckpoint.title;
          await this.ensureModel(overrideCheckpoint);
        }
      }
      return await this.processInner();
    } finally {
      if (this.v['override_settings_restore_afterwards'] !== false) {
        for (const [key, value] of stored) options.data[key] = value;
      }
    }
  }

  private async ensureModel(checkpoint: Checkpoint): Promise<void> {
    const options = this.deps.options;
    if (options.loadedTitle === checkpoint.title) return;
    const loadMs = this.deps.config.modelLoadMs;
    if (loadMs > 0) await sleep(loadMs, undefined, { signal: this.deps.signal });
    options.loadedTitle = checkpoint.title;
  }

  private requireNumbers(): void {
    if (this.v['prompt'] === null) throw pythonException('AssertionError', '');
    for (const field of ['width', 'height', 'steps', 'batch_size', 'n_iter', 'cfg_scale']) {
      if (this.v[field] === null) {
        throw pythonException('TypeError', "unsupported operand type(s) for //: 'NoneType' and 'int'");
      }
    }
    if (this.kind === 'img2img' && this.v['denoising_strength'] === null) {
      throw pythonException('TypeError', "'<' not supported between instances of 'NoneType' and 'float'");
    }
  }

  private async processInner(): Promise<{ samples: Sample[]; info: Record<string, unknown>; cut: boolean }> {
    this.requireNumbers();
    const v = this.v;
    const state = this.deps.state;
    const options = this.deps.options.data;
    const width = v['width'] as number;
    const height = v['height'] as number;
    const steps = v['steps'] as number;
    const nIter = v['n_iter'] as number;
    const plannedBatch = v['batch_size'] as number;
    if (plannedBatch <= 0 || nIter <= 0) throw pythonException('IndexError', 'list index out of range');
    const batch = this.effectiveBatch(plannedBatch);
    if (floor8(width) < 8 || floor8(height) < 8) {
      throw pythonException(
        'RuntimeError',
        'Given input size: (4x0x0). Calculated output size: (4x0x0). Output size is too small',
      );
    }
    if (steps < 1) {
      throw pythonException('IndexError', 'index 0 is out of bounds for dimension 0 with size 0');
    }

    const planned = plannedBatch * nIter;
    const seed = fixedSeed(v['seed']);
    const subseed = fixedSeed(v['subseed']);
    const subseedStrength = (v['subseed_strength'] as number | null) ?? 0;
    const allSeeds = Array.from({ length: planned }, (_, i) => seed + (subseedStrength === 0 ? i : 0));
    const allSubseeds = Array.from({ length: planned }, (_, i) => subseed + i);
    const allPrompts = Array<unknown>(planned).fill(v['prompt']);
    const allNegative = Array<unknown>(planned).fill(v['negative_prompt']);

    const extra: Record<string, unknown> = {};
    const denoising = v['denoising_strength'] as number | null;
    const hires =
      this.kind === 'txt2img' && v['enable_hr'] === true ? this.hiresPlan(width, height, steps, extra) : null;
    let firstSteps = steps;
    if (this.kind === 'img2img') {
      extra['Denoising strength'] = new PyFloat(denoising!);
      firstSteps = options['img2img_fix_steps'] ? steps : Math.trunc(Math.min(denoising!, 0.999) * steps) + 1;
    }
    const final = hires ?? { width: floor8(width), height: floor8(height), steps: 0 };
    if (final.width * final.height * batch > this.deps.config.oomPixels) throw oomError();

    const checkpoint = this.deps.options.selectedCheckpoint();
    const clipSkip = Number(options['CLIP_stop_at_last_layers']);
    const restoreFaces = (v['restore_faces'] as boolean | null) ?? Boolean(options['face_restoration']);
    const infotextFor = (index: number): string => {
      const input: InfotextInput = {
        prompt: String(allPrompts[index] ?? ''),
        negativePrompt: String(allNegative[index] ?? ''),
        steps,
        sampler: this.sampling.sampler.name,
        scheduleType: this.sampling.scheduleType,
        cfgScale: v['cfg_scale'] as number,
        seed: allSeeds[index]!,
        width,
        height,
        modelHash: checkpoint.hash,
        modelName: checkpoint.model_name,
        faceRestoration: restoreFaces ? String(options['face_restoration_model']) : null,
        subseed: allSubseeds[index]!,
        subseedStrength,
        seedResizeFrom: [v['seed_resize_from_w'] as number, v['seed_resize_from_h'] as number],
        clipSkip,
        tiling: v['tiling'] === true,
        extra,
      };
      return createInfotext(input);
    };

    state.jobCount = nIter * (hires ? 2 : 1);
    this.totalSteps = nIter * (firstSteps + (hires?.steps ?? 0));
    this.t0 = Date.now();
    const samples: Sample[] = [];
    let cut = false;
    for (let n = 0; n < nIter; n++) {
      if (state.skipped) state.skipped = false;
      if (state.interrupted || state.stoppingGeneration) break;
      if (nIter > 1) state.job = `Batch ${n + 1} out of ${nIter}`;
      let size = { width: floor8(width), height: floor8(height) };
      let partial = await this.samplingPass(firstSteps);
      // sample_hr_pass returns the first pass as it is when interrupted; a skip still enters it and stops at once.
      if (hires && !state.interrupted) {
        state.nextjob();
        size = hires;
        partial = (await this.samplingPass(hires.steps)) || partial;
      }
      cut ||= partial;
      for (let i = 0; i < batch; i++) {
        const index = n * batch + i;
        samples.push({ ...size, seed: allSeeds[index]!, partial, infotext: infotextFor(index) });
      }
      state.nextjob();
    }

    let indexOfFirstImage = 0;
    if (v['save_images'] === true && samples.length >= 2 && options['return_grid']) {
      samples.unshift(gridOf(samples, batch, Number(options['n_rows']), infotextFor(0), allSeeds[0]!));
      indexOfFirstImage = 1;
    }
    const info: Record<string, unknown> = {
      prompt: allPrompts[0],
      all_prompts: allPrompts,
      negative_prompt: allNegative[0],
      all_negative_prompts: allNegative,
      seed: allSeeds[0],
      all_seeds: allSeeds,
      subseed: allSubseeds[0],
      all_subseeds: allSubseeds,
      subseed_strength: new PyFloat(subseedStrength),
      width,
      height,
      sampler_name: this.sampling.sampler.name,
      cfg_scale: new PyFloat(v['cfg_scale'] as number),
      steps,
      batch_size: batch,
      restore_faces: restoreFaces,
      face_restoration_model: restoreFaces ? options['face_restoration_model'] : null,
      sd_model_name: checkpoint.model_name,
      sd_model_hash: checkpoint.hash,
      sd_vae_name: null,
      sd_vae_hash: null,
      seed_resize_from_w: v['seed_resize_from_w'],
      seed_resize_from_h: v['seed_resize_from_h'],
      denoising_strength: denoising === null ? null : new PyFloat(denoising),
      extra_generation_params: extra,
      index_of_first_image: indexOfFirstImage,
      infotexts: samples.map((s) => s.infotext),
      styles: v['styles'] ?? [],
      job_timestamp: state.jobTimestamp,
      clip_skip: clipSkip,
      is_using_inpainting_conditioning: false,
      version: A1111_VERSION,
    };
    return { samples, info, cut };
  }

  /** StableDiffusionProcessingImg2Img.init: one image is repeated, several set the batch size. */
  private effectiveBatch(batch: number): number {
    if (!this.initImages) return batch;
    const count = this.initImages.length;
    if (count === 0) throw pythonException('IndexError', 'list index out of range');
    if (count > batch) {
      throw pythonException(
        'RuntimeError',
        `bad number of images passed: ${count}; expecting ${batch} or less`,
      );
    }
    return count === 1 ? batch : count;
  }

  private hiresPlan(width: number, height: number, steps: number, extra: Record<string, unknown>) {
    const scale = (this.v['hr_scale'] as number | null) ?? 2;
    const rx = (this.v['hr_resize_x'] as number | null) ?? 0;
    const ry = (this.v['hr_resize_y'] as number | null) ?? 0;
    extra['Denoising strength'] = new PyFloat((this.v['denoising_strength'] as number | null) ?? 0.75);
    let [toX, toY] = [rx, ry];
    if (rx === 0 && ry === 0) {
      extra['Hires upscale'] = new PyFloat(scale);
      [toX, toY] = [Math.trunc(width * scale), Math.trunc(height * scale)];
    } else {
      extra['Hires resize'] = `${rx}x${ry}`;
      // One side given: the other keeps the aspect ratio; both given: crop to exactly that size.
      if (ry === 0) toY = Math.floor((rx * height) / width);
      if (rx === 0) toX = Math.floor((ry * width) / height);
    }
    const hrSteps = (this.v['hr_second_pass_steps'] as number | null) || steps;
    if (this.v['hr_second_pass_steps']) extra['Hires steps'] = hrSteps;
    if (this.v['hr_upscaler'] !== null) extra['Hires upscaler'] = this.v['hr_upscaler'];
    return { width: floor8(toX), height: floor8(toY), steps: hrSteps };
  }

  /** KDiffusionSampler.launch_sampling: returns true when an interrupt or skip cut the pass short. */
  private async samplingPass(steps: number): Promise<boolean> {
    const state = this.deps.state;
    state.samplingSteps = steps;
    state.samplingStep = 0;
    if (this.stall) {
      while (!state.interrupted && !this.deps.signal.aborted) {
        await sleep(5, undefined, { signal: this.deps.signal });
      }
      return true;
    }
    for (let i = 0; i < steps; i++) {
      if (state.interrupted || state.skipped) return true;
      await this.tick();
      state.samplingStep = i;
    }
    return false;
  }

  /** Waits until the next step's deadline; deadlines are absolute so that a fixed duration does not drift. */
  private async tick(): Promise<void> {
    this.stepsDone += 1;
    const { fixedDelayMs, stepDelayMs } = this.deps.config;
    const deadline =
      fixedDelayMs !== undefined
        ? this.t0 + (fixedDelayMs * this.stepsDone) / this.totalSteps
        : this.t0 + stepDelayMs * this.stepsDone;
    const wait = deadline - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: this.deps.signal });
  }
}

/** images.image_grid with n_rows -1: rows = round(sqrt(n)), the grid image is a plain sample of that size. */
function gridOf(samples: Sample[], batch: number, nRows: number, infotext: string, seed: number): Sample {
  const n = samples.length;
  let rows = nRows > 0 ? nRows : nRows === 0 ? batch : Math.round(Math.sqrt(n));
  rows = Math.min(rows, n);
  const cols = Math.ceil(n / rows);
  return {
    width: samples[0]!.width * cols,
    height: samples[0]!.height * rows,
    seed,
    partial: false,
    infotext,
  };
}
