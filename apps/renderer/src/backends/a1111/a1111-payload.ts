import type { RenderJob } from '#contracts';
import { sniffBase64ImageMime } from '../image-sniff.js';
import type { RenderedImage } from '../render-backend.js';
import { SdFailure } from '../sd-failure.js';

/** How far img2img may move away from the init image: enough to restyle it, not enough to lose it. */
export const IMG2IMG_DENOISING_STRENGTH = 0.6;

export interface A1111Request {
  path: '/sdapi/v1/txt2img' | '/sdapi/v1/img2img';
  body: Record<string, unknown>;
}

/**
 * The A1111 request for a job, with every generation field explicit: the API's own defaults (50 steps, Euler)
 * differ from the web UI's, so nothing is left to them.
 */
export function buildA1111Request(job: RenderJob): A1111Request {
  const { settings } = job;
  const body: Record<string, unknown> = {
    prompt: job.prompt,
    negative_prompt: settings.negativePrompt,
    steps: settings.steps,
    cfg_scale: settings.cfgScale,
    sampler_name: settings.sampler,
    width: job.width,
    height: job.height,
    seed: -1,
    n_iter: 1,
    batch_size: 1,
    send_images: true,
    // Nothing written on the GPU machine and, with one image, no grid prepended to the answer.
    save_images: false,
  };
  if (settings.model) {
    body['override_settings'] = { sd_model_checkpoint: settings.model };
    // Restoring the previous checkpoint after every job would reload a model (seconds to minutes) per image.
    body['override_settings_restore_afterwards'] = false;
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

/** Reads GET /sdapi/v1/progress. Null when SD is idle (job_count 0), since there is then nothing to show. */
export function parseA1111Progress(data: unknown): { percent: number; etaSeconds: number | null } | null {
  if (typeof data !== 'object' || data === null) return null;
  const {
    progress,
    eta_relative: eta,
    state,
  } = data as { progress?: unknown; eta_relative?: unknown; state?: { job_count?: unknown } };
  if (state && state.job_count === 0) return null;
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return null;
  const percent = Math.min(100, Math.max(0, progress * 100));
  const etaSeconds = typeof eta === 'number' && Number.isFinite(eta) && eta >= 0 ? eta : null;
  return {
    percent: Math.round(percent * 10) / 10,
    etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds * 10) / 10,
  };
}
