import type { GenerationSettings } from '#contracts';
import { SdFailure } from '../sd-failure.js';

/** What ComfyUI offers, from /object_info. */
export interface ComfyCatalog {
  models: string[];
  samplers: string[];
  schedulers: string[];
}

export interface ComfyChoices {
  model: string;
  sampler: string;
  scheduler: string;
}

/**
 * A1111 names → ComfyUI names (reference §2), so settings made for an A1111-family server keep working: the
 * sampler and, where A1111 would pick one automatically, its usual schedule.
 */
const A1111_SAMPLERS: Record<string, [sampler: string, scheduler: string]> = {
  Euler: ['euler', 'normal'],
  'Euler a': ['euler_ancestral', 'normal'],
  Heun: ['heun', 'normal'],
  DPM2: ['dpm_2', 'normal'],
  'DPM2 a': ['dpm_2_ancestral', 'normal'],
  LMS: ['lms', 'normal'],
  'DPM fast': ['dpm_fast', 'normal'],
  'DPM adaptive': ['dpm_adaptive', 'normal'],
  'DPM++ 2S a': ['dpmpp_2s_ancestral', 'karras'],
  'DPM++ SDE': ['dpmpp_sde', 'karras'],
  'DPM++ 2M': ['dpmpp_2m', 'karras'],
  'DPM++ 2M SDE': ['dpmpp_2m_sde', 'exponential'],
  'DPM++ 2M SDE Heun': ['dpmpp_2m_sde_heun', 'exponential'],
  'DPM++ 3M SDE': ['dpmpp_3m_sde', 'exponential'],
  DDIM: ['ddim', 'ddim_uniform'],
  DDPM: ['ddpm', 'normal'],
  DEIS: ['deis', 'normal'],
  IPNDM: ['ipndm', 'normal'],
  UniPC: ['uni_pc', 'normal'],
  LCM: ['lcm', 'sgm_uniform'],
};

const A1111_SCHEDULERS: Record<string, string> = {
  Karras: 'karras',
  Exponential: 'exponential',
  'SGM Uniform': 'sgm_uniform',
  Simple: 'simple',
  Normal: 'normal',
  DDIM: 'ddim_uniform',
  Beta: 'beta',
  'KL Optimal': 'kl_optimal',
};

const has = (list: string[], name: string | undefined): boolean => name !== undefined && list.includes(name);
const baseName = (path: string) => path.split(/[\\/]/).at(-1) ?? path;

function listed(names: string[], max = 12): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, …` : shown;
}

/**
 * The host's model, sampler and scheduler as this ComfyUI names them, or a failed job saying what to choose:
 * ComfyUI refuses any name that is not exactly on its lists (400 value_not_in_list).
 */
export function resolveComfyChoices(settings: GenerationSettings, catalog: ComfyCatalog): ComfyChoices {
  let sampler: string | undefined;
  let impliedScheduler: string | undefined;
  const named = settings.sampler.trim();
  if (has(catalog.samplers, named)) sampler = named;
  else {
    let base = named;
    let suffix: string | undefined;
    for (const label of Object.keys(A1111_SCHEDULERS)) {
      if (named.endsWith(` ${label}`) && A1111_SAMPLERS[named.slice(0, -(label.length + 1))]) {
        base = named.slice(0, -(label.length + 1));
        suffix = A1111_SCHEDULERS[label];
        break;
      }
    }
    const mapped = A1111_SAMPLERS[base];
    if (mapped && has(catalog.samplers, mapped[0])) {
      sampler = mapped[0];
      impliedScheduler = suffix ?? mapped[1];
    }
  }
  if (!sampler) {
    throw new SdFailure(
      'rejected',
      `The sampler "${settings.sampler}" is not offered by this ComfyUI; choose one of its own in Settings: ${listed(catalog.samplers)}`,
    );
  }

  let scheduler: string | undefined;
  const wanted = settings.scheduler.trim();
  if (wanted === '' || wanted === 'Automatic') {
    scheduler = [impliedScheduler, 'normal', catalog.schedulers[0]].find((s) => has(catalog.schedulers, s));
  } else if (has(catalog.schedulers, wanted)) {
    scheduler = wanted;
  } else if (A1111_SCHEDULERS[wanted] && has(catalog.schedulers, A1111_SCHEDULERS[wanted])) {
    scheduler = A1111_SCHEDULERS[wanted];
  }
  if (!scheduler) {
    throw new SdFailure(
      'rejected',
      `The scheduler "${settings.scheduler}" is not offered by this ComfyUI; choose one of its own in Settings: ${listed(catalog.schedulers)}`,
    );
  }

  const model = findModel(catalog.models, settings.model);
  if (!model) {
    throw new SdFailure(
      'rejected',
      catalog.models.length === 0
        ? 'ComfyUI lists no checkpoint (models/checkpoints is empty)'
        : `The model "${settings.model}" is not on this ComfyUI; choose one in Settings: ${listed(catalog.models, 6)}`,
    );
  }
  return { model, sampler, scheduler };
}

/** ComfyUI needs a checkpoint by its file name; empty = its first one. A1111 titles ("x.safetensors [hash]") match too. */
function findModel(models: string[], name: string): string | undefined {
  const wanted = name.trim();
  if (wanted === '') return models[0];
  const plain = wanted.replace(/\s*\[[0-9a-f]{8,64}\]$/i, '');
  return (
    models.find((m) => m === wanted) ??
    models.find((m) => m === plain) ??
    models.find((m) => baseName(m) === baseName(plain))
  );
}

/** Reads `GET /object_info/<Class>`: the option list of one input (`[[options…], {tooltip…}]`). */
export function optionsOf(objectInfo: unknown, nodeClass: string, input: string): string[] {
  const node = (objectInfo as Record<string, unknown> | null)?.[nodeClass] as
    { input?: { required?: Record<string, unknown> } } | undefined;
  const spec = node?.input?.required?.[input];
  const options = Array.isArray(spec) ? spec[0] : undefined;
  return Array.isArray(options)
    ? options.filter((o): o is string => typeof o === 'string' && o.length <= 500).slice(0, 500)
    : [];
}
