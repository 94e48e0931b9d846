import type { CatalogReply } from '#contracts';
import type { AccessMode } from '../accounts/access-mode.js';
import type { AutoApproveMode, Settings } from '../settings/settings.service.js';
import {
  SIZE_MAX,
  SIZE_MIN,
  type SettingsField,
  type SettingsFieldError,
} from './dto/update-settings.dto.js';

/** What JSON clients read and send: the same flat fields as the form. */
export interface SettingsView {
  submissionsOpen: boolean;
  accessMode: AccessMode;
  allowedSizes: number[];
  maxPendingPerGuest: number;
  steps: number;
  cfgScale: number;
  sampler: string;
  scheduler: string;
  negativePrompt: string;
  model: string;
  holdWords: string[];
  denyWords: string[];
  autoApprove: AutoApproveMode;
  graceSeconds: number;
  reviewRenders: boolean;
}

export function toSettingsView(settings: Settings): SettingsView {
  return {
    submissionsOpen: settings.submissionsOpen,
    accessMode: settings.accessMode,
    allowedSizes: [...settings.allowedSizes],
    maxPendingPerGuest: settings.maxPendingPerGuest,
    steps: settings.generation.steps,
    cfgScale: settings.generation.cfgScale,
    sampler: settings.generation.sampler,
    scheduler: settings.generation.scheduler,
    negativePrompt: settings.generation.negativePrompt,
    model: settings.generation.model,
    holdWords: [...settings.holdWords],
    denyWords: [...settings.denyWords],
    autoApprove: settings.autoApprove,
    graceSeconds: settings.graceSeconds,
    reviewRenders: settings.reviewRenders,
  };
}

/** The Auto-approve choices as the settings page names them (N is the Grace window field beside it). */
export const AUTO_APPROVE_LABELS: Record<AutoApproveMode, string> = {
  off: 'Off',
  members: 'Members and staff',
  trusted: 'Trusted guests',
  grace: 'Everything not flagged after N seconds',
};

/**
 * Offered while the SD server cannot be asked: only names every supported server accepts (A1111, Forge and
 * SD.Next list them exactly so; the renderer translates them for ComfyUI). A name such as "DPM++ 2M Karras"
 * would fail every job on SD.Next.
 */
export const COMMON_SAMPLERS = [
  'DPM++ 2M',
  'DPM++ SDE',
  'DPM++ 2M SDE',
  'Euler a',
  'Euler',
  'Heun',
  'DDIM',
  'UniPC',
  'LCM',
] as const;

/** Scheduler labels A1111 ≥ 1.9 and Forge list and the renderer translates for ComfyUI (SD.Next has none). */
export const COMMON_SCHEDULERS = [
  'Karras',
  'Exponential',
  'SGM Uniform',
  'Normal',
  'Simple',
  'Beta',
] as const;

/** The grid of sizes offered as checkboxes: multiples of 64 from 256 to 2048. */
export const SIZE_GRID = Array.from({ length: (SIZE_MAX - SIZE_MIN) / 64 + 1 }, (_, i) => SIZE_MIN + i * 64);

/** The form's fields as text, from the stored settings or from a submission that failed validation. */
export interface SettingsFormValues {
  submissionsOpen: boolean;
  accessMode: AccessMode;
  sizes: number[];
  otherSizes: string;
  maxPendingPerGuest: string;
  steps: string;
  cfgScale: string;
  sampler: string;
  scheduler: string;
  negativePrompt: string;
  model: string;
  holdWords: string;
  denyWords: string;
  autoApprove: AutoApproveMode;
  graceSeconds: string;
  reviewRenders: boolean;
}

export interface SettingsFormView extends Omit<SettingsFormValues, 'sizes'> {
  inviteOnly: boolean;
  autoApproveOptions: { value: AutoApproveMode; label: string; checked: boolean }[];
  sizeOptions: { value: number; checked: boolean }[];
  samplers: readonly string[];
  schedulers: readonly string[];
  models: string[];
  /** Where the model and sampler suggestions come from, or why SD's own lists are missing. */
  catalogNote: string;
  errors: SettingsFieldError[];
  /** The message for each field that has one, for `aria-invalid` and the text under the field. */
  error: Partial<Record<SettingsField, string>>;
}

export function formValuesOf(settings: Settings): SettingsFormValues {
  const view = toSettingsView(settings);
  return {
    submissionsOpen: view.submissionsOpen,
    accessMode: view.accessMode,
    sizes: view.allowedSizes,
    otherSizes: '',
    maxPendingPerGuest: String(view.maxPendingPerGuest),
    steps: String(view.steps),
    cfgScale: String(view.cfgScale),
    sampler: view.sampler,
    scheduler: view.scheduler,
    negativePrompt: view.negativePrompt,
    model: view.model,
    holdWords: view.holdWords.join('\n'),
    denyWords: view.denyWords.join('\n'),
    autoApprove: view.autoApprove,
    graceSeconds: String(view.graceSeconds),
    reviewRenders: view.reviewRenders,
  };
}

/** A rejected submission is shown again as typed, so the admin fixes one field instead of starting over. */
export function formValuesFromInput(input: unknown, fallback: SettingsFormValues): SettingsFormValues {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return fallback;
  const body = input as Record<string, unknown>;
  const last = (key: string): unknown =>
    Array.isArray(body[key]) ? (body[key] as unknown[]).at(-1) : body[key];
  const textOf = (key: string, otherwise: string): string => {
    const value = last(key);
    return typeof value === 'string' || typeof value === 'number' ? String(value) : otherwise;
  };
  const ticked = (Array.isArray(body.allowedSizes) ? body.allowedSizes : [body.allowedSizes])
    .map(Number)
    .filter((size) => Number.isInteger(size) && size >= SIZE_MIN && size <= SIZE_MAX);
  return {
    submissionsOpen:
      'submissionsOpen' in body
        ? ['on', 'true', '1', 'yes'].includes(String(last('submissionsOpen')).toLowerCase())
        : fallback.submissionsOpen,
    accessMode:
      last('accessMode') === 'invite-only'
        ? 'invite-only'
        : last('accessMode') === 'open'
          ? 'open'
          : fallback.accessMode,
    sizes: 'allowedSizes' in body ? ticked : fallback.sizes,
    otherSizes: textOf('otherSizes', fallback.otherSizes),
    maxPendingPerGuest: textOf('maxPendingPerGuest', fallback.maxPendingPerGuest),
    steps: textOf('steps', fallback.steps),
    cfgScale: textOf('cfgScale', fallback.cfgScale),
    sampler: textOf('sampler', fallback.sampler),
    scheduler: textOf('scheduler', fallback.scheduler),
    negativePrompt: textOf('negativePrompt', fallback.negativePrompt),
    model: textOf('model', fallback.model),
    holdWords: textOf('holdWords', fallback.holdWords),
    denyWords: textOf('denyWords', fallback.denyWords),
    autoApprove: AUTO_APPROVE_LABELS[String(last('autoApprove')) as AutoApproveMode]
      ? (String(last('autoApprove')) as AutoApproveMode)
      : fallback.autoApprove,
    graceSeconds: textOf('graceSeconds', fallback.graceSeconds),
    reviewRenders:
      'reviewRenders' in body
        ? ['on', 'true', '1', 'yes'].includes(String(last('reviewRenders')).toLowerCase())
        : fallback.reviewRenders,
  };
}

export function toSettingsFormView(
  values: SettingsFormValues,
  errors: SettingsFieldError[] = [],
  catalog: CatalogReply = { models: [], samplers: [], schedulers: [], unavailable: null },
): SettingsFormView {
  const { sizes, ...rest } = values;
  const checked = new Set(sizes);
  // The grid, plus any size in use that is not on it (a multiple of 8, say 520), so nothing is hidden.
  const options = [...new Set([...SIZE_GRID, ...sizes])].toSorted((a, b) => a - b);
  const error: Partial<Record<SettingsField, string>> = {};
  for (const item of errors) if (item.field) error[item.field] = item.message;
  return {
    ...rest,
    inviteOnly: values.accessMode === 'invite-only',
    autoApproveOptions: (Object.keys(AUTO_APPROVE_LABELS) as AutoApproveMode[]).map((value) => ({
      value,
      label: AUTO_APPROVE_LABELS[value],
      checked: value === values.autoApprove,
    })),
    sizeOptions: options.map((value) => ({ value, checked: checked.has(value) })),
    samplers: catalog.samplers.length > 0 ? catalog.samplers : COMMON_SAMPLERS,
    // A server that answered with no schedulers has none of its own (SD.Next, A1111 ≤ 1.8).
    schedulers: catalog.unavailable ? COMMON_SCHEDULERS : catalog.schedulers,
    models: [...new Set([...catalog.models, ...(values.model ? [values.model] : [])])],
    catalogNote: catalog.unavailable
      ? `${catalog.unavailable} Suggestions are names every supported server accepts.`
      : 'Models, samplers and schedulers are those your Stable Diffusion server offers.',
    errors,
    error,
  };
}
