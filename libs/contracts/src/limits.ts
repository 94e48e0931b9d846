/**
 * Every limit on what people type or choose, defined once: the gateway's DTOs, its settings schema, the
 * renderer's contract and the pages' hints all read these, so the browser, the server and the GPU side agree.
 */

/** A prompt: 1 to 2000 characters after trimming. */
export const PROMPT_LIMITS = { minLength: 1, maxLength: 2000 } as const;

/** Image sides: a multiple of 8 from 256 to 2048 (SD works in 8-pixel latents; A1111 does not check). */
export const SIZE_LIMITS = { min: 256, max: 2048, step: 8, maxAllowedSizes: 32 } as const;

/** The host's generation settings. */
export const GENERATION_LIMITS = {
  steps: { min: 1, max: 150 },
  cfgScale: { min: 1, max: 30 },
  samplerMaxLength: 100,
  schedulerMaxLength: 100,
  negativePromptMaxLength: 2000,
  modelMaxLength: 500,
} as const;

/** How many prompts one guest may have waiting for a decision (the host's setting), and its bounds. */
export const PENDING_LIMITS = { min: 1, max: 1000 } as const;

/** Accounts (seed 004): names, addresses and passwords. */
export const ACCOUNT_LIMITS = {
  usernameMinLength: 3,
  usernameMaxLength: 32,
  emailMaxLength: 254,
  passwordMinLength: 10,
  passwordMaxLength: 200,
} as const;

/** A guest's picture for img2img, uploaded or fetched. */
export const PICTURE_LIMITS = {
  maxBytes: 64 * 1024 * 1024,
  /** Decoding stops beyond this many pixels, so a small file cannot expand into gigabytes (a "bomb"). */
  maxPixels: 40_000_000,
  urlMaxLength: 2048,
} as const;

/** Paging parameters of lists (API and pages): bounded, so `page=1e20` is a 400, not a database error. */
export const PAGING_LIMITS = { maxPage: 100_000, maxPageSize: 200 } as const;

/** Why a failed render says so: reasons are shown to the host and capped. */
export const REASON_MAX_LENGTH = 2000;

/** Stable Diffusion servers (workers) one renderer drives, each one job at a time. */
export const WORKER_LIMITS = { maxPerRenderer: 32 } as const;
