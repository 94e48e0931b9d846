import { z } from 'zod';
import { GENERATION_LIMITS, PROMPT_LIMITS, REASON_MAX_LENGTH, SIZE_LIMITS, WORKER_LIMITS } from './limits.js';

/**
 * The gateway ↔ renderer protocol. Both sides parse every message with these schemas, so a forged or
 * malformed frame is rejected before any code acts on it. The shared secret never travels: each message
 * carries a proof of it in the packet metadata (see renderer-auth.ts).
 */

export const RendererPattern = {
  Enqueue: 'render.enqueue',
  Cancel: 'render.cancel',
  Status: 'render.status',
  Results: 'render.results',
  Ack: 'render.ack',
  Pause: 'render.pause',
  Resume: 'render.resume',
  Catalog: 'render.catalog',
} as const;
export type RendererPattern = (typeof RendererPattern)[keyof typeof RendererPattern];

/** Generous bound for one frame: a 2048² PNG as base64 plus JSON is well under this. */
export const RENDERER_MAX_FRAME_BYTES = 64 * 1024 * 1024;

const size = z.number().int().min(SIZE_LIMITS.min).max(SIZE_LIMITS.max).multipleOf(SIZE_LIMITS.step);
const suggestionId = z.number().int().positive();
/** A renderer's SD servers (workers) are numbered from 0 in the order SD_URL lists them. */
const workerIndex = z
  .number()
  .int()
  .min(0)
  .max(WORKER_LIMITS.maxPerRenderer - 1);

export const GenerationSettingsSchema = z.object({
  steps: z.number().int().min(GENERATION_LIMITS.steps.min).max(GENERATION_LIMITS.steps.max),
  cfgScale: z.number().min(GENERATION_LIMITS.cfgScale.min).max(GENERATION_LIMITS.cfgScale.max),
  /** A sampler name as the SD server lists it (A1111-style names are translated for ComfyUI). */
  sampler: z.string().min(1).max(GENERATION_LIMITS.samplerMaxLength),
  /** A scheduler as the SD server lists it; empty = the server's automatic choice. Older settings lack it. */
  scheduler: z.string().max(GENERATION_LIMITS.schedulerMaxLength).default(''),
  negativePrompt: z.string().max(GENERATION_LIMITS.negativePromptMaxLength),
  /** A checkpoint title from /sdapi/v1/sd-models; empty = whatever the server has loaded. */
  model: z.string().max(GENERATION_LIMITS.modelMaxLength),
});
export type GenerationSettings = z.infer<typeof GenerationSettingsSchema>;

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = {
  steps: 20,
  cfgScale: 7,
  sampler: 'DPM++ 2M',
  scheduler: '',
  negativePrompt: '',
  model: '',
};

export const RenderJobSchema = z.object({
  suggestionId,
  /** The guest's text (the suggestion's prompt). */
  prompt: z.string().min(PROMPT_LIMITS.minLength).max(PROMPT_LIMITS.maxLength),
  width: size,
  height: size,
  settings: GenerationSettingsSchema,
  /** Colour of the author, used by the preview backend to label its placeholder. */
  colourHex: z.string().regex(/^#[0-9a-f]{6}$/i),
  /** Optional init image (base64 PNG, no data: prefix) for img2img. */
  initImage: z.string().max(RENDERER_MAX_FRAME_BYTES).optional(),
});
export type RenderJob = z.infer<typeof RenderJobSchema>;

export const EnqueueRequestSchema = z.object({
  jobs: z.array(RenderJobSchema).min(1).max(1000),
  /** The worker (SD server) that is to render them; left out, the renderer picks the least busy one. */
  worker: workerIndex.optional(),
});
export type EnqueueRequest = z.infer<typeof EnqueueRequestSchema>;
export const EnqueueReplySchema = z.object({
  /** Ids now known to the renderer (newly queued, already queued, rendering or holding a result). */
  accepted: z.array(suggestionId),
});
export type EnqueueReply = z.infer<typeof EnqueueReplySchema>;

export const SuggestionIdRequestSchema = z.object({ suggestionId });
export type SuggestionIdRequest = z.infer<typeof SuggestionIdRequestSchema>;
export const CancelReplySchema = z.object({ cancelled: z.boolean() });
export type CancelReply = z.infer<typeof CancelReplySchema>;

/** Where the job SD works on stands; see RendererStatus.current.phase. */
export const RENDER_PHASES = ['waiting', 'starting', 'rendering'] as const;
export type RenderPhase = (typeof RENDER_PHASES)[number];

/** The kinds of Stable Diffusion server (or stand-in) a renderer can drive. */
export const BACKEND_NAMES = ['a1111', 'comfyui', 'preview'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
const backend = z.enum(BACKEND_NAMES);

/**
 * A job has left the queue and its first attempt is on its way to SD: the gateway records `rendering` from
 * this, exactly, however fast the job then is. Kept (like results) until the gateway acknowledges it.
 */
export const RenderStartedSchema = z.object({
  suggestionId,
  startedAt: z.string(),
  /** The worker that started it (absent from renderers older than several SD servers). */
  worker: workerIndex.optional(),
});
export type RenderStarted = z.infer<typeof RenderStartedSchema>;

export const RenderResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('rendered'),
    suggestionId,
    /** base64 of the image bytes exactly as stored. */
    image: z.string().min(1),
    mime: z.enum(['image/png', 'image/jpeg', 'image/webp']),
    seed: z.number().int().nullable(),
    /** Parsed A1111 `info` (or the preview backend's description). */
    info: z.record(z.string(), z.unknown()),
    backend,
    startedAt: z.string(),
    finishedAt: z.string(),
    worker: workerIndex.optional(),
  }),
  z.object({
    status: z.literal('failed'),
    suggestionId,
    reason: z.string().max(REASON_MAX_LENGTH),
    attempts: z.number().int().min(1),
    backend,
    finishedAt: z.string(),
    worker: workerIndex.optional(),
  }),
]);
export type RenderResult = z.infer<typeof RenderResultSchema>;

export const ResultsRequestSchema = z.object({
  /** Long poll: the renderer holds the reply up to this long while it has nothing to hand over. */
  waitMs: z.number().int().min(0).max(30_000),
  max: z.number().int().min(1).max(500),
});
export type ResultsRequest = z.infer<typeof ResultsRequestSchema>;
/**
 * Start signals and finished results, each kept by the renderer until acknowledged. A job's start signal
 * always comes before (or with) its result, so the gateway records `rendering` before `rendered`.
 */
export const ResultsReplySchema = z.object({
  started: z.array(RenderStartedSchema),
  results: z.array(RenderResultSchema),
});
export type ResultsReply = z.infer<typeof ResultsReplySchema>;

export const AckRequestSchema = z
  .object({
    /** Results the gateway has stored: the renderer forgets them. */
    suggestionIds: z.array(suggestionId).max(1000),
    /** Start signals the gateway has recorded. */
    started: z.array(suggestionId).max(1000).optional(),
  })
  .refine((ack) => ack.suggestionIds.length + (ack.started?.length ?? 0) > 0, {
    message: 'acknowledge at least one id',
  });
export type AckRequest = z.infer<typeof AckRequestSchema>;
export const AckReplySchema = z.object({ acknowledged: z.number().int().min(0) });
export type AckReply = z.infer<typeof AckReplySchema>;

export const EmptyRequestSchema = z.object({}).strict();
export type EmptyRequest = z.infer<typeof EmptyRequestSchema>;

const currentJob = z
  .object({
    suggestionId,
    startedAt: z.string(),
    attempt: z.number().int().min(1),
    percent: z.number().min(0).max(100),
    etaSeconds: z.number().min(0).nullable(),
    /**
     * waiting: sent, but SD is busy with other work (another client's, or the model loading for someone
     * else); starting: SD took our job and loads what it needs; rendering: sampling steps run.
     */
    phase: z.enum(RENDER_PHASES).default('rendering'),
  })
  .nullable();

/** One SD server of a renderer: its own queue, health, pause and progress. */
export const WorkerStatusSchema = z.object({
  index: workerIndex,
  backend,
  /** Human-readable, e.g. "AUTOMATIC1111 at http://127.0.0.1:7860". */
  backendDescription: z.string(),
  sdReachable: z.boolean(),
  sdError: z.string().nullable(),
  paused: z.boolean(),
  /** Paused automatically because SD is unreachable or refuses us; resumes by itself. */
  waitingForSd: z.boolean(),
  pauseReason: z.string().max(500).nullable(),
  queueLength: z.number().int().min(0),
  queuedIds: z.array(suggestionId).max(1000),
  current: currentJob,
});
export type WorkerStatus = z.infer<typeof WorkerStatusSchema>;

/**
 * The renderer as a whole. The top-level fields describe its first worker's backend and the sum of its
 * queues (what a renderer with one SD server has always said); `workers` has each SD server's own.
 */
export const RendererStatusSchema = z.object({
  backend,
  /** Human-readable, e.g. "Stable Diffusion not connected (preview backend)". */
  backendDescription: z.string(),
  sdReachable: z.boolean(),
  sdError: z.string().nullable(),
  paused: z.boolean(),
  /** Paused automatically because SD is unreachable or refuses us; resumes by itself. */
  waitingForSd: z.boolean(),
  /**
   * Why the queue waits, in plain words for the host, when it is a set-up problem rather than SD being away
   * (e.g. "Stable Diffusion refused our credentials"). Null otherwise.
   */
  pauseReason: z.string().max(500).nullable().default(null),
  queueLength: z.number().int().min(0),
  queuedIds: z.array(suggestionId).max(1000),
  current: currentJob,
  unacknowledgedResults: z.number().int().min(0),
  /** Each SD server; empty from renderers older than several SD servers (then the fields above are its one). */
  workers: z.array(WorkerStatusSchema).max(WORKER_LIMITS.maxPerRenderer).default([]),
});
export type RendererStatus = z.infer<typeof RendererStatusSchema>;

/** Pause or resume one worker, or (without `worker`) every worker of the renderer. */
export const PauseRequestSchema = z.object({ worker: workerIndex.optional() }).strict();
export type PauseRequest = z.infer<typeof PauseRequestSchema>;
export const PauseReplySchema = z.object({ paused: z.boolean() });
export type PauseReply = z.infer<typeof PauseReplySchema>;

/** What the Stable Diffusion server offers, for the admin's generation settings. */
export const CatalogReplySchema = z.object({
  /** Checkpoint titles as /sdapi/v1/sd-models gives them (the value to send as the model). */
  models: z.array(z.string().max(500)).max(1000),
  samplers: z.array(z.string().max(200)).max(500),
  /** Schedulers the server offers (A1111 ≥ 1.9, Forge, ComfyUI); empty when it has none of its own. */
  schedulers: z.array(z.string().max(200)).max(500).default([]),
  /** Why the lists are empty, when SD could not be asked (preview backend, SD unreachable). */
  unavailable: z.string().max(500).nullable(),
});
export type CatalogReply = z.infer<typeof CatalogReplySchema>;

/** Ties each pattern to its request and reply schema; the typed client and the server both read it. */
export const RendererContract = {
  [RendererPattern.Enqueue]: { request: EnqueueRequestSchema, reply: EnqueueReplySchema },
  [RendererPattern.Cancel]: { request: SuggestionIdRequestSchema, reply: CancelReplySchema },
  [RendererPattern.Status]: { request: EmptyRequestSchema, reply: RendererStatusSchema },
  [RendererPattern.Results]: { request: ResultsRequestSchema, reply: ResultsReplySchema },
  [RendererPattern.Ack]: { request: AckRequestSchema, reply: AckReplySchema },
  [RendererPattern.Pause]: { request: PauseRequestSchema, reply: PauseReplySchema },
  [RendererPattern.Resume]: { request: PauseRequestSchema, reply: PauseReplySchema },
  [RendererPattern.Catalog]: { request: EmptyRequestSchema, reply: CatalogReplySchema },
} as const;
export type RendererContract = typeof RendererContract;

export type RendererRequest<P extends RendererPattern> = z.infer<RendererContract[P]['request']>;
export type RendererReply<P extends RendererPattern> = z.infer<RendererContract[P]['reply']>;
