import type { RenderJob } from '#contracts';
import { sniffBase64ImageMime } from '../image-sniff.js';
import type { RenderedImage } from '../render-backend.js';
import type { A1111Choices } from './a1111-choices.js';
import { SdFailure } from '../sd-failure.js';
import { isRecord } from '../json-values.js';

/** How far img2img may move away from the init image: enough to restyle it, not enough to lose it. */
export const IMG2IMG_DENOISING_STRENGTH = 0.6;

export interface A1111Request {
  path: '/sdapi/v1/txt2img' | '/sdapi/v1/img2img';
  body: Record<string, unknown>;
}

export interface A1111RequestOptions {
  choices: Pick<A1111Choices, 'sampler' | 'scheduler' | 'checkpoint'>;
  /** Our own task id (`force_task_id`): the web UI's task tracker then tells our job from anyone else's. */
  taskId: string;
  /** Put the server's model back after the job (SD_SHARED): other users must not find ours loaded. */
  restoreModel: boolean;
}

/**
 * The A1111 request for a job, with every generation field explicit: the API's own defaults (50 steps, Euler)
 * differ from the web UI's, and `denoising_strength` differs between A1111, Forge and SD.Next.
 */
export function buildA1111Request(job: RenderJob, options: A1111RequestOptions): A1111Request {
  const { settings } = job;
  const { choices } = options;
  const body: Record<string, unknown> = {
    prompt: job.prompt,
    negative_prompt: settings.negativePrompt,
    steps: settings.steps,
    cfg_scale: settings.cfgScale,
    sampler_name: choices.sampler,
    width: job.width,
    height: job.height,
    seed: -1,
    n_iter: 1,
    batch_size: 1,
    send_images: true,
    // Nothing written on the GPU machine and, with one image, no grid prepended to the answer.
    save_images: false,
    force_task_id: options.taskId,
  };
  if (choices.scheduler !== null) body['scheduler'] = choices.scheduler;
  if (choices.checkpoint) {
    body['override_settings'] = { sd_model_checkpoint: choices.checkpoint.title };
    // Restoring the previous checkpoint after every job reloads a model (seconds to minutes) per image: only
    // worth it when other people use the server.
    body['override_settings_restore_afterwards'] = options.restoreModel;
  }
  if (job.initImage !== undefined) {
    body['init_images'] = [job.initImage];
    body['denoising_strength'] = IMG2IMG_DENOISING_STRENGTH;
    body['resize_mode'] = 0;
    return { path: '/sdapi/v1/img2img', body };
  }
  return { path: '/sdapi/v1/txt2img', body };
}

/**
 * Reads a txt2img/img2img answer: `images` are base64 (normally without a data: prefix), `info` is a JSON *string*.
 * SD.Next reports some failed generations as a 200 with `images: []` and `info: ""`.
 */
export function parseA1111Response(data: unknown): RenderedImage {
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { images?: unknown }).images)) {
    throw new SdFailure(
      'invalid-output',
      'Stable Diffusion answered 200 without an images list (is SD_URL the API?)',
    );
  }
  const { images, info: rawInfo } = data as { images: unknown[]; info?: unknown };
  const info = parseInfo(rawInfo);
  if (images.length === 0) {
    throw new SdFailure('server', 'Stable Diffusion returned no image (the generation failed on the server)');
  }
  const first = info['index_of_first_image'];
  const index =
    Number.isInteger(first) && (first as number) >= 0 && (first as number) < images.length
      ? (first as number)
      : 0;
  const raw = images[index];
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new SdFailure('invalid-output', 'Stable Diffusion returned an empty image');
  }
  const image = stripDataUrlPrefix(raw);
  const mime = sniffBase64ImageMime(image);
  if (!mime)
    throw new SdFailure(
      'invalid-output',
      'Stable Diffusion returned data that is not a PNG, JPEG or WEBP image',
    );
  const seed = info['seed'];
  return { image, mime, seed: Number.isSafeInteger(seed) ? (seed as number) : null, info };
}

function parseInfo(raw: unknown): Record<string, unknown> {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { raw: parsed };
  } catch {
    return { raw: raw.slice(0, 2000) };
  }
}

function stripDataUrlPrefix(value: string): string {
  if (!value.startsWith('data:')) return value;
  const comma = value.indexOf(',');
  return comma === -1 ? value : value.slice(comma + 1);
}

/** Our task as the web UI's tracker (POST /internal/progress) sees it. */
export interface TaskProgress {
  /** active: running now; queued: waiting for the queue lock; completed: done; unknown: not (yet) seen. */
  state: 'active' | 'queued' | 'completed' | 'unknown';
  /** 0..1 while active; 0 while the model loads (job_count −1 counts as no progress there). */
  fraction: number | null;
}

export function parseTaskProgress(data: unknown): TaskProgress {
  const record = isRecord(data) ? data : {};
  const fraction =
    typeof record['progress'] === 'number' && Number.isFinite(record['progress']) ? record['progress'] : null;
  if (record['active'] === true)
    return { state: 'active', fraction: fraction === null ? 0 : clamp01(fraction) };
  if (record['queued'] === true) return { state: 'queued', fraction: null };
  if (record['completed'] === true) return { state: 'completed', fraction: 1 };
  return { state: 'unknown', fraction: null };
}

/** Whatever job holds the server's lock, as GET /sdapi/v1/progress reports it. */
export interface ServerProgress {
  busy: boolean;
  /** 0..1 of the running job without A1111's 0.01 floor; null while it loads (no step yet). */
  fraction: number | null;
}

export function parseServerProgress(data: unknown): ServerProgress {
  const state = isRecord(data) && isRecord(data['state']) ? data['state'] : {};
  const num = (key: string) => (typeof state[key] === 'number' ? (state[key] as number) : 0);
  const jobCount = num('job_count');
  if (jobCount === 0) return { busy: false, fraction: null };
  const [jobNo, step, steps] = [num('job_no'), num('sampling_step'), num('sampling_steps')];
  if (jobCount < 0 || (jobNo === 0 && step === 0)) return { busy: true, fraction: null };
  const fraction = (jobNo + (steps > 0 ? step / steps : 0)) / jobCount;
  return { busy: true, fraction: clamp01(fraction) };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
