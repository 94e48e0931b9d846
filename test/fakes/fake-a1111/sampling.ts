import { SAMPLERS, SCHEDULERS, type Sampler, type Scheduler } from './catalog.js';
import { httpException } from './errors.js';

export interface ResolvedSampler {
  sampler: Sampler;
  /** The scheduler label the request resolves to ("Automatic" unless one was asked for). */
  scheduler: string;
  /** What the infotext's "Schedule type" shows: Automatic becomes the sampler's own default. */
  scheduleType: string;
}

const byName = (name: string | undefined) => SCHEDULERS.find((s) => s.name === name || s.label === name);

/**
 * sd_samplers.get_sampler_and_scheduler (≥1.9): a scheduler suffix ("DPM++ 2M Karras") is split off, and
 * an unknown sampler silently becomes the first one. With `legacy` (≤1.8) an unknown name is a 404.
 */
export function resolveSampler(
  requested: string | null,
  schedulerName: string | null,
  legacy: boolean,
  samplers: readonly Sampler[] = SAMPLERS,
): ResolvedSampler {
  const fallback = SAMPLERS[0]!;
  if (legacy) {
    // ≤1.8, and SD.Next's validate_sampler_name: the exact name or 404.
    const sampler = samplers.find((s) => s.name === requested);
    if (!sampler) throw httpException(404, 'Sampler not found');
    return { sampler, scheduler: 'Automatic', scheduleType: scheduleTypeOf(sampler, SCHEDULERS[0]!) };
  }
  let found: Scheduler = byName(schedulerName ?? undefined) ?? SCHEDULERS[0]!;
  let name = requested || fallback.name;
  for (const scheduler of SCHEDULERS) {
    for (const option of [scheduler.label, scheduler.name, ...(scheduler.aliases ?? [])]) {
      if (name.endsWith(` ${option}`)) {
        found = scheduler;
        name = name.slice(0, -(option.length + 1));
        break;
      }
    }
  }
  const sampler = SAMPLERS.find((s) => s.name === name) ?? fallback;
  // A1111 reverts to Automatic when the chosen scheduler is the sampler's default anyway.
  if (sampler.options['scheduler'] === found.name) found = SCHEDULERS[0]!;
  return { sampler, scheduler: found.label, scheduleType: scheduleTypeOf(sampler, found) };
}

function scheduleTypeOf(sampler: Sampler, scheduler: Scheduler): string {
  if (scheduler.name !== 'automatic') return scheduler.label;
  return byName(sampler.options['scheduler'] as string | undefined)?.label ?? scheduler.label;
}
