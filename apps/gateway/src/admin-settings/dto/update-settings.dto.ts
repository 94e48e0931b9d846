import { z } from 'zod';
import { ACCESS_MODES, type AccessMode } from '../../accounts/access-mode.js';
import { TERM_MAX_LENGTH, TERMS_MAX_COUNT, cleanTerm, isMatchableTerm } from '../../screening/word-list.js';
import {
  AUTO_APPROVE_MODES,
  GRACE_SECONDS_RANGE,
  type AutoApproveMode,
} from '../../settings/settings.service.js';

export const SIZE_MIN = 256;
export const SIZE_MAX = 2048;
export const SIZE_STEP = 8;
export const SIZES_MAX_COUNT = 32;
export const STEPS_RANGE = { min: 1, max: 150 } as const;
export const CFG_RANGE = { min: 1, max: 30 } as const;
export const PENDING_RANGE = { min: 1, max: 1000 } as const;
export const SAMPLER_MAX_LENGTH = 100;
export const SCHEDULER_MAX_LENGTH = 100;
export const NEGATIVE_PROMPT_MAX_LENGTH = 2000;
export const MODEL_MAX_LENGTH = 500;

/** The names people see beside each field; every error message starts with one. */
export const SETTINGS_FIELD_LABELS = {
  submissionsOpen: 'Submissions open',
  accessMode: 'Access mode',
  allowedSizes: 'Allowed sizes',
  otherSizes: 'Other sizes',
  maxPendingPerGuest: 'Pending prompts per guest',
  steps: 'Steps',
  cfgScale: 'CFG scale',
  sampler: 'Sampler',
  scheduler: 'Scheduler',
  negativePrompt: 'Negative prompt',
  model: 'Model',
  holdWords: 'Hold words',
  denyWords: 'Deny words',
  autoApprove: 'Auto-approve',
  graceSeconds: 'Grace window',
  reviewRenders: 'Review renders',
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

function accessMode(label: string) {
  return z.unknown().transform((raw, ctx): AccessMode => {
    const value = lastOf(raw);
    const mode = ACCESS_MODES.find((candidate) => candidate === value);
    if (mode) return mode;
    ctx.addIssue({ code: 'custom', message: `${label} must be open or invite-only.` });
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

function textField(label: string, options: { min: number; max: number; multiline?: boolean }) {
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

function autoApproveMode(label: string) {
  return z.unknown().transform((raw, ctx): AutoApproveMode => {
    const value = lastOf(raw);
    const mode = AUTO_APPROVE_MODES.find((candidate) => candidate === value);
    if (mode) return mode;
    ctx.addIssue({ code: 'custom', message: `${label} must be one of ${AUTO_APPROVE_MODES.join(', ')}.` });
    return z.NEVER;
  });
}

/**
 * A word list: a textarea with one term a line (commas separate too), or a JSON array. Terms are tidied,
 * kept once whatever their case, and each must have a letter or digit to match.
 */
export function parseTerms(label: string, value: unknown): { terms: string[] } | { error: string } {
  // Not lastOf: a JSON array is the list itself (a form sends the textarea once).
  let items: unknown[];
  if (typeof value === 'string') items = value.split(/[\r\n,]+/);
  else if (Array.isArray(value)) items = value;
  else return { error: `${label} must be text, one word or phrase a line.` };
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string') return { error: `${label} must be text, one word or phrase a line.` };
    const term = cleanTerm(item);
    if (term === null) continue;
    if (term.length > TERM_MAX_LENGTH) {
      return { error: `${label}: “${term.slice(0, 20)}…” is longer than ${TERM_MAX_LENGTH} characters.` };
    }
    if (!isMatchableTerm(term)) return { error: `${label}: “${term}” has no letter or digit to match.` };
    const key = term.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push(term);
  }
  if (terms.length > TERMS_MAX_COUNT)
    return { error: `${label}: at most ${TERMS_MAX_COUNT} words or phrases.` };
  return { terms };
}

function termList(label: string) {
  return z.unknown().transform((raw, ctx) => {
    const parsed = parseTerms(label, raw);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.terms;
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

function sizeList(label: string) {
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
 * The settings form and its JSON twin, field by field: every field optional (JSON clients send what they
 * change), unknown fields ignored. The form always sends every field.
 */
export const UpdateSettingsSchema = z.object({
  submissionsOpen: onOff(SETTINGS_FIELD_LABELS.submissionsOpen).optional(),
  accessMode: accessMode(SETTINGS_FIELD_LABELS.accessMode).optional(),
  allowedSizes: sizeList(SETTINGS_FIELD_LABELS.allowedSizes).optional(),
  otherSizes: sizeList(SETTINGS_FIELD_LABELS.otherSizes).optional(),
  maxPendingPerGuest: numberIn(SETTINGS_FIELD_LABELS.maxPendingPerGuest, PENDING_RANGE, true).optional(),
  steps: numberIn(SETTINGS_FIELD_LABELS.steps, STEPS_RANGE, true).optional(),
  cfgScale: numberIn(SETTINGS_FIELD_LABELS.cfgScale, CFG_RANGE, false).optional(),
  sampler: textField(SETTINGS_FIELD_LABELS.sampler, { min: 1, max: SAMPLER_MAX_LENGTH }).optional(),
  scheduler: textField(SETTINGS_FIELD_LABELS.scheduler, { min: 0, max: SCHEDULER_MAX_LENGTH }).optional(),
  negativePrompt: textField(SETTINGS_FIELD_LABELS.negativePrompt, {
    min: 0,
    max: NEGATIVE_PROMPT_MAX_LENGTH,
    multiline: true,
  }).optional(),
  model: textField(SETTINGS_FIELD_LABELS.model, { min: 0, max: MODEL_MAX_LENGTH }).optional(),
  holdWords: termList(SETTINGS_FIELD_LABELS.holdWords).optional(),
  denyWords: termList(SETTINGS_FIELD_LABELS.denyWords).optional(),
  autoApprove: autoApproveMode(SETTINGS_FIELD_LABELS.autoApprove).optional(),
  graceSeconds: numberIn(
    `${SETTINGS_FIELD_LABELS.graceSeconds} (seconds)`,
    GRACE_SECONDS_RANGE,
    true,
  ).optional(),
  reviewRenders: onOff(SETTINGS_FIELD_LABELS.reviewRenders).optional(),
});

/** A valid update: `otherSizes` is folded into `allowedSizes`. */
export type SettingsUpdate = Omit<z.output<typeof UpdateSettingsSchema>, 'otherSizes'>;

export interface SettingsFieldError {
  /** Null when the request as a whole is wrong (not a form or JSON object). */
  field: SettingsField | null;
  message: string;
}

/**
 * Validates a whole submission and reports every bad field at once, one message per field in form order.
 * The ticked sizes and the "other sizes" are checked together (at least one, at most 32), even when some
 * other field is wrong, so the admin sees every problem in one go.
 */
export function parseSettingsUpdate(
  input: unknown,
): { ok: true; update: SettingsUpdate } | { ok: false; errors: SettingsFieldError[] } {
  const parsed = UpdateSettingsSchema.safeParse(input);
  const byField = new Map<SettingsField, string>();
  let general: string | null = null;
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = issue.path[0];
    if (typeof key === 'string' && key in SETTINGS_FIELD_LABELS) {
      if (!byField.has(key as SettingsField)) byField.set(key as SettingsField, issue.message);
    } else {
      general = 'Send the settings as a form or a JSON object.';
    }
  }
  const combined = combinedSizes(input);
  if (combined && 'error' in combined && !byField.has('allowedSizes') && !byField.has('otherSizes')) {
    byField.set('allowedSizes', combined.error);
  }
  if (parsed.success && !general && byField.size === 0) {
    const { otherSizes: _other, ...fields } = parsed.data;
    return {
      ok: true,
      update: combined && 'sizes' in combined ? { ...fields, allowedSizes: combined.sizes } : fields,
    };
  }
  const errors = (Object.keys(SETTINGS_FIELD_LABELS) as SettingsField[])
    .filter((field) => byField.has(field))
    .map((field): SettingsFieldError => ({ field, message: byField.get(field)! }));
  return { ok: false, errors: general ? [{ field: null, message: general }, ...errors] : errors };
}

/** The ticked and typed sizes together, sorted and without repeats; null when neither was sent. */
function combinedSizes(input: unknown): { sizes: number[] } | { error: string } | null {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return null;
  const body = input as Record<string, unknown>;
  if (body.allowedSizes === undefined && body.otherSizes === undefined) return null;
  const ticked = parseSizes(SETTINGS_FIELD_LABELS.allowedSizes, body.allowedSizes ?? []);
  const typed = parseSizes(SETTINGS_FIELD_LABELS.otherSizes, body.otherSizes ?? []);
  if ('error' in ticked) return ticked;
  if ('error' in typed) return typed;
  const merged = [...new Set([...ticked.sizes, ...typed.sizes])].toSorted((a, b) => a - b);
  const label = SETTINGS_FIELD_LABELS.allowedSizes;
  if (merged.length === 0) return { error: `${label}: choose at least one size.` };
  if (merged.length > SIZES_MAX_COUNT) return { error: `${label}: at most ${SIZES_MAX_COUNT} sizes.` };
  return { sizes: merged };
}
