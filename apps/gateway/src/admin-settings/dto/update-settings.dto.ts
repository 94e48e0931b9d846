import { z } from 'zod';

export const SIZE_MIN = 256;
export const SIZE_MAX = 2048;
export const SIZE_STEP = 8;
export const SIZES_MAX_COUNT = 32;
export const STEPS_RANGE = { min: 1, max: 150 } as const;
export const CFG_RANGE = { min: 1, max: 30 } as const;
export const PENDING_RANGE = { min: 1, max: 1000 } as const;
export const SAMPLER_MAX_LENGTH = 100;
export const NEGATIVE_PROMPT_MAX_LENGTH = 2000;
export const MODEL_MAX_LENGTH = 500;

/** The names people see beside each field; every error message starts with one. */
export const SETTINGS_FIELD_LABELS = {
  submissionsOpen: 'Submissions open',
  allowedSizes: 'Allowed sizes',
  otherSizes: 'Other sizes',
  maxPendingPerGuest: 'Pending prompts per guest',
  steps: 'Steps',
  cfgScale: 'CFG scale',
  sampler: 'Sampler',
  negativePrompt: 'Negative prompt',
  model: 'Model',
} as const;
export type SettingsField = keyof typeof SETTINGS_FIELD_LABELS;

/**
 * A form sends a hidden default before a checkbox (`off`, then `on` when ticked), so a repeated field
 * counts by its last value; JSON sends one value.
 */
function lastOf(value: unknown): unknown {
  return Array.isArray(value) && value.every((item) => typeof item !== 'object') ? value.at(-1) : value;
}

function onOff(label: string) {
  return z.unknown().transform((raw, ctx) => {
    const value = lastOf(raw);
    if (typeof value === 'boolean') return value;
    const word = typeof value === 'string' ? value.trim().toLowerCase() : null;
    if (word !== null && ['on', 'true', '1', 'yes'].includes(word)) return true;
    if (word !== null && ['off', 'false', '0', 'no', ''].includes(word)) return false;
    ctx.addIssue({ code: 'custom', message: `${label} must be on or off.` });
    return z.NEVER;
  });
}

function numberIn(label: string, range: { min: number; max: number }, wholeOnly: boolean) {
  const expected = `${label} must be a ${wholeOnly ? 'whole number' : 'number'} from ${range.min} to ${range.max}.`;
  return z.unknown().transform((raw, ctx) => {
    const value = lastOf(raw);
    const text = typeof value === 'string' ? value.trim() : null;
    const number =
      typeof value === 'number' ? value : text && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(number) || (wholeOnly && !Number.isInteger(number))) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    if (number < range.min || number > range.max) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return number;
  });
}

function text(label: string, options: { min: number; max: number; multiline?: boolean }) {
  return z.unknown().transform((raw, ctx) => {
    const value = lastOf(raw);
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: `${label} must be text.` });
      return z.NEVER;
    }
    // Browsers send a textarea's line breaks as CRLF but count them as one character for maxlength.
    const cleaned = (options.multiline ? value.replace(/\r\n?/g, '\n') : value).trim();
    if (cleaned.length < options.min) {
      ctx.addIssue({ code: 'custom', message: `${label} cannot be empty.` });
      return z.NEVER;
    }
    if (cleaned.length > options.max) {
      ctx.addIssue({ code: 'custom', message: `${label} can be at most ${options.max} characters.` });
      return z.NEVER;
    }
    return cleaned;
  });
}

/**
 * Sizes as numbers (JSON), or strings from checkboxes and a comma-separated field (forms): each a multiple
 * of 8 between 256 and 2048, which is what Stable Diffusion accepts and what the guest form offers.
 */
export function parseSizes(label: string, raw: unknown): { sizes: number[] } | { error: string } {
  const items = Array.isArray(raw) ? raw : [raw];
  const sizes: number[] = [];
  for (const item of items) {
    if (typeof item === 'number') {
      sizes.push(item);
      continue;
    }
    if (typeof item !== 'string') return { error: `${label} must be numbers, such as 512, 768.` };
    for (const part of item.split(/[\s,;]+/)) {
      if (!part) continue;
      if (!/^\d+$/.test(part)) {
        return { error: `${label}: “${part.slice(0, 12)}” is not a whole number of pixels.` };
      }
      sizes.push(Number(part));
    }
  }
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < SIZE_MIN || size > SIZE_MAX || size % SIZE_STEP !== 0) {
      return {
        error: `${label}: ${size} is not allowed; each size must be a multiple of ${SIZE_STEP} between ${SIZE_MIN} and ${SIZE_MAX}.`,
      };
    }
  }
  return { sizes };
}

function sizes(label: string) {
  return z.unknown().transform((raw, ctx) => {
    const parsed = parseSizes(label, raw);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.sizes;
  });
}

/**
 * The settings form and its JSON twin: every field optional (JSON clients send what they change), unknown
 * fields ignored. The form always sends every field, and `otherSizes` adds to the ticked sizes.
 */
export const UpdateSettingsSchema = z
  .object({
    submissionsOpen: onOff(SETTINGS_FIELD_LABELS.submissionsOpen).optional(),
    allowedSizes: sizes(SETTINGS_FIELD_LABELS.allowedSizes).optional(),
    otherSizes: sizes(SETTINGS_FIELD_LABELS.otherSizes).optional(),
    maxPendingPerGuest: numberIn(SETTINGS_FIELD_LABELS.maxPendingPerGuest, PENDING_RANGE, true).optional(),
    steps: numberIn(SETTINGS_FIELD_LABELS.steps, STEPS_RANGE, true).optional(),
    cfgScale: numberIn(SETTINGS_FIELD_LABELS.cfgScale, CFG_RANGE, false).optional(),
    sampler: text(SETTINGS_FIELD_LABELS.sampler, { min: 1, max: SAMPLER_MAX_LENGTH }).optional(),
    negativePrompt: text(SETTINGS_FIELD_LABELS.negativePrompt, {
      min: 0,
      max: NEGATIVE_PROMPT_MAX_LENGTH,
      multiline: true,
    }).optional(),
    model: text(SETTINGS_FIELD_LABELS.model, { min: 0, max: MODEL_MAX_LENGTH }).optional(),
  })
  .transform(({ allowedSizes, otherSizes, ...rest }, ctx) => {
    if (allowedSizes === undefined && otherSizes === undefined) return rest;
    const merged = [...new Set([...(allowedSizes ?? []), ...(otherSizes ?? [])])].sort((a, b) => a - b);
    if (merged.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedSizes'],
        message: `${SETTINGS_FIELD_LABELS.allowedSizes}: choose at least one size.`,
      });
      return z.NEVER;
    }
    if (merged.length > SIZES_MAX_COUNT) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedSizes'],
        message: `${SETTINGS_FIELD_LABELS.allowedSizes}: at most ${SIZES_MAX_COUNT} sizes.`,
      });
      return z.NEVER;
    }
    return { ...rest, allowedSizes: merged };
  });

export type UpdateSettingsInput = z.output<typeof UpdateSettingsSchema>;

export interface SettingsFieldError {
  /** Null when the request as a whole is wrong (not a form or JSON object). */
  field: SettingsField | null;
  message: string;
}

/** One message per field, in form order, each naming its field. */
export function settingsFieldErrors(error: z.ZodError): SettingsFieldError[] {
  const byField = new Map<SettingsField, string>();
  let general: string | null = null;
  for (const issue of error.issues) {
    const key = issue.path[0];
    if (typeof key === 'string' && key in SETTINGS_FIELD_LABELS) {
      const field = key as SettingsField;
      if (!byField.has(field)) byField.set(field, issue.message);
    } else {
      general = 'Send the settings as a form or a JSON object.';
    }
  }
  const fields = (Object.keys(SETTINGS_FIELD_LABELS) as SettingsField[])
    .filter((field) => byField.has(field))
    .map((field) => ({ field, message: byField.get(field)! }));
  return general ? [{ field: null, message: general }, ...fields] : fields;
}
