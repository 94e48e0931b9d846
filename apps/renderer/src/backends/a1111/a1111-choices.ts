import type { GenerationSettings } from '#contracts';
import { SdFailure } from '../sd-failure.js';

/** The server kinds that speak the A1111 API, each with its own quirks (reference §5, §8). */
export type A1111Flavour = 'a1111' | 'forge' | 'sdnext';

export const FLAVOUR_LABELS: Record<A1111Flavour, string> = {
  a1111: 'AUTOMATIC1111',
  forge: 'Forge',
  sdnext: 'SD.Next',
};

export interface A1111Sampler {
  name: string;
  aliases: string[];
}
export interface A1111Scheduler {
  name: string;
  label: string;
  aliases: string[];
}
export interface A1111Checkpoint {
  title: string;
  model_name: string;
  hash: string | null;
  sha256: string | null;
  filename: string;
}

/** What the server lists; `schedulers` is null when it has no scheduler list (A1111 ≤ 1.8, SD.Next). */
export interface A1111Catalog {
  samplers: A1111Sampler[];
  schedulers: A1111Scheduler[] | null;
  models: A1111Checkpoint[];
}

/** What we send, resolved against the server's own lists. */
export interface A1111Choices {
  sampler: string;
  /** Null: leave it to the server (its "Automatic"). */
  scheduler: string | null;
  /** Null: whatever model the server has loaded. */
  checkpoint: A1111Checkpoint | null;
  /** Settings the server cannot honour but that do not stop the job, for the log. */
  notes: string[];
}

/** Scheduler names older setups put after the sampler ("DPM++ 2M Karras"), for servers without a list. */
const LEGACY_SCHEDULER_SUFFIXES = ['Karras', 'Exponential', 'Polyexponential', 'SGM Uniform'];

function listed(names: string[], max = 12): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, …` : shown;
}

const schedulerNames = (s: A1111Scheduler) => [s.name, s.label, ...s.aliases];

/**
 * Turns the host's sampler, scheduler and model into what this server accepts, or fails the job with a reason
 * that says what to choose instead. Nothing is left to the server's silent fallbacks (A1111 and Forge replace an
 * unknown sampler by their default and drop an unknown checkpoint; SD.Next answers 404 to any inexact sampler).
 */
export function resolveA1111Choices(
  settings: GenerationSettings,
  catalog: A1111Catalog,
  flavour: A1111Flavour,
): A1111Choices {
  const server = FLAVOUR_LABELS[flavour];
  const notes: string[] = [];
  const samplerNamed = (name: string) =>
    catalog.samplers.find((s) => s.name === name || s.aliases.includes(name));

  let sampler = samplerNamed(settings.sampler)?.name;
  let scheduler: A1111Scheduler | undefined;
  let droppedSuffix: string | undefined;
  if (!sampler) {
    // "DPM++ 2M Karras": a sampler with a scheduler suffix, as A1111 < 1.9 named them.
    const suffixes = catalog.schedulers
      ? catalog.schedulers.flatMap((s) => schedulerNames(s).map((n) => ({ n, s })))
      : LEGACY_SCHEDULER_SUFFIXES.map((n) => ({ n, s: undefined }));
    for (const { n, s } of suffixes) {
      if (!settings.sampler.endsWith(` ${n}`)) continue;
      const prefix = samplerNamed(settings.sampler.slice(0, -(n.length + 1)));
      if (!prefix) continue;
      sampler = prefix.name;
      if (s) scheduler = s;
      else droppedSuffix = n;
      break;
    }
  }
  if (!sampler) {
    throw new SdFailure(
      'rejected',
      `The sampler "${settings.sampler}" is not offered by this Stable Diffusion server (${server}); ` +
        `choose one of its own in Settings: ${listed(catalog.samplers.map((s) => s.name))}`,
    );
  }
  if (droppedSuffix) {
    notes.push(
      `${server} has no "${droppedSuffix}" scheduler setting; "${sampler}" runs with its own schedule`,
    );
  }

  if (settings.scheduler !== '') {
    if (!catalog.schedulers) {
      notes.push(`${server} has no scheduler setting; "${settings.scheduler}" is not applied`);
    } else {
      const chosen = catalog.schedulers.find((s) => schedulerNames(s).includes(settings.scheduler));
      if (!chosen) {
        throw new SdFailure(
          'rejected',
          `The scheduler "${settings.scheduler}" is not offered by this Stable Diffusion server (${server}); ` +
            `choose one of its own in Settings: ${listed(catalog.schedulers.map((s) => s.label))}`,
        );
      }
      scheduler = chosen;
    }
  }

  let checkpoint: A1111Checkpoint | null = null;
  if (settings.model !== '') {
    checkpoint = findCheckpoint(catalog.models, settings.model) ?? null;
    if (!checkpoint) {
      throw new SdFailure(
        'rejected',
        `The model "${settings.model}" is not on this Stable Diffusion server; ` +
          `choose one in Settings: ${listed(
            catalog.models.map((m) => m.title),
            6,
          )}`,
      );
    }
  }
  return { sampler, scheduler: scheduler ? scheduler.name : null, checkpoint, notes };
}

/** A checkpoint as A1111 accepts a name for it: title, model name, file name, short hash or sha256. */
export function findCheckpoint(models: A1111Checkpoint[], name: string): A1111Checkpoint | undefined {
  return models.find(
    (m) =>
      m.title === name ||
      m.model_name === name ||
      m.hash === name ||
      m.sha256 === name ||
      m.filename === name ||
      baseName(m.filename) === name,
  );
}

function baseName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}

/**
 * Whether the image came from the checkpoint we asked for, by the `sd_model_hash` / `sd_model_name` A1111
 * writes into `info`. Null when it did, or when info does not say (nothing to compare).
 */
export function modelMismatch(asked: A1111Checkpoint, info: Record<string, unknown>): string | null {
  const usedHash = typeof info['sd_model_hash'] === 'string' ? info['sd_model_hash'] : null;
  const usedName = typeof info['sd_model_name'] === 'string' ? info['sd_model_name'] : null;
  if (usedHash && asked.hash) {
    const same =
      usedHash === asked.hash || (asked.sha256 !== null && asked.sha256.startsWith(usedHash.toLowerCase()));
    if (same) return null;
  } else if (usedName) {
    if (usedName === asked.model_name) return null;
  } else {
    return null;
  }
  const used = usedName ?? usedHash;
  return `Stable Diffusion rendered with the model "${used}" instead of "${asked.title}" (another client switched it, or the server could not load ours)`;
}

const records = (list: unknown) =>
  (Array.isArray(list) ? list : []).filter(
    (e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e),
  );
const text = (value: unknown) => (typeof value === 'string' && value.length <= 500 ? value : null);
const texts = (value: unknown) =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Reads /sdapi/v1/samplers, /schedulers and /sd-models, ignoring malformed entries. */
export function parseA1111Catalog(
  samplers: unknown,
  schedulers: unknown | null,
  models: unknown,
): A1111Catalog {
  return {
    samplers: records(samplers)
      .filter((e) => text(e['name']))
      .map((e) => ({ name: e['name'] as string, aliases: texts(e['aliases']) })),
    schedulers:
      schedulers === null
        ? null
        : records(schedulers)
            .filter((e) => text(e['name']))
            .map((e) => ({
              name: e['name'] as string,
              label: text(e['label']) ?? (e['name'] as string),
              aliases: texts(e['aliases']),
            })),
    models: records(models)
      .filter((e) => text(e['title']))
      .map((e) => ({
        title: e['title'] as string,
        model_name: text(e['model_name']) ?? (e['title'] as string),
        hash: text(e['hash']),
        sha256: text(e['sha256']),
        filename: text(e['filename']) ?? '',
      })),
  };
}
