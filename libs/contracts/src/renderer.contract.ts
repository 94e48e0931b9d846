import { z } from 'zod';

/**
 * The gateway ↔ renderer protocol. Both sides parse every message with these schemas, so a forged or
 * malformed frame is rejected before any code acts on it. The shared secret travels out of band in the
 * packet metadata (ClientProxy#setOnDispatchHook → TcpContext#getMetadata), never in the payload.
 */
export const RENDERER_TOKEN_METADATA_KEY = 'token';

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

const size = z.number().int().min(256).max(2048).multipleOf(8);
const promptId = z.number().int().positive();

export const GenerationSettingsSchema = z.object({
  steps: z.number().int().min(1).max(150),
  cfgScale: z.number().min(1).max(30),
  sampler: z.string().min(1).max(100),
  negativePrompt: z.string().max(2000),
  /** A checkpoint title from /sdapi/v1/sd-models; empty = whatever the server has loaded. */
  model: z.string().max(500),
});
export type GenerationSettings = z.infer<typeof GenerationSettingsSchema>;

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = {
  steps: 20,
  cfgScale: 7,
  sampler: 'DPM++ 2M',
  negativePrompt: '',
  model: '',
};

export const RenderJobSchema = z.object({
  promptId,
  prompt: z.string().min(1).max(2000),
  width: size,
  height: size,
  settings: GenerationSettingsSchema,
  /** Colour of the author, used by the preview backend to label its placeholder. */
  colourHex: z.string().regex(/^#[0-9a-f]{6}$/i),
  /** Optional init image (base64 PNG, no data: prefix) for img2img. */
  initImage: z.string().max(RENDERER_MAX_FRAME_BYTES).optional(),
});
export type RenderJob = z.infer<typeof RenderJobSchema>;

export const EnqueueRequestSchema = z.object({ jobs: z.array(RenderJobSchema).min(1).max(1000) });
export type EnqueueRequest = z.infer<typeof EnqueueRequestSchema>;
export const EnqueueReplySchema = z.object({
  /** Ids now known to the renderer (newly queued, already queued, rendering or holding a result). */
  accepted: z.array(promptId),
});
export type EnqueueReply = z.infer<typeof EnqueueReplySchema>;

export const PromptIdRequestSchema = z.object({ promptId });
export type PromptIdRequest = z.infer<typeof PromptIdRequestSchema>;
export const CancelReplySchema = z.object({ cancelled: z.boolean() });
export type CancelReply = z.infer<typeof CancelReplySchema>;

export const RenderResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('rendered'),
    promptId,
    /** base64 of the image bytes exactly as stored. */
    image: z.string().min(1),
    mime: z.enum(['image/png', 'image/jpeg', 'image/webp']),
    seed: z.number().int().nullable(),
    /** Parsed A1111 `info` (or the preview backend's description). */
    info: z.record(z.string(), z.unknown()),
    backend: z.enum(['a1111', 'preview']),
    startedAt: z.string(),
    finishedAt: z.string(),
  }),
  z.object({
    status: z.literal('failed'),
    promptId,
    reason: z.string().max(2000),
    attempts: z.number().int().min(1),
    backend: z.enum(['a1111', 'preview']),
    finishedAt: z.string(),
  }),
]);
export type RenderResult = z.infer<typeof RenderResultSchema>;

export const ResultsRequestSchema = z.object({
  /** Long poll: the renderer holds the reply up to this long while it has nothing to hand over. */
  waitMs: z.number().int().min(0).max(30_000),
  max: z.number().int().min(1).max(500),
});
export type ResultsRequest = z.infer<typeof ResultsRequestSchema>;
export const ResultsReplySchema = z.object({ results: z.array(RenderResultSchema) });
export type ResultsReply = z.infer<typeof ResultsReplySchema>;

export const AckRequestSchema = z.object({ promptIds: z.array(promptId).min(1).max(1000) });
export type AckRequest = z.infer<typeof AckRequestSchema>;
export const AckReplySchema = z.object({ acknowledged: z.number().int().min(0) });
export type AckReply = z.infer<typeof AckReplySchema>;

export const EmptyRequestSchema = z.object({}).strict();
export type EmptyRequest = z.infer<typeof EmptyRequestSchema>;

export const RendererStatusSchema = z.object({
  backend: z.enum(['a1111', 'preview']),
  /** Human-readable, e.g. "Stable Diffusion not connected (preview backend)". */
  backendDescription: z.string(),
  sdReachable: z.boolean(),
  sdError: z.string().nullable(),
  paused: z.boolean(),
  /** Paused automatically because SD is unreachable; resumes by itself. */
  waitingForSd: z.boolean(),
  queueLength: z.number().int().min(0),
  queuedIds: z.array(promptId).max(1000),
  current: z
    .object({
      promptId,
      startedAt: z.string(),
      attempt: z.number().int().min(1),
      percent: z.number().min(0).max(100),
      etaSeconds: z.number().min(0).nullable(),
    })
    .nullable(),
  unacknowledgedResults: z.number().int().min(0),
});
export type RendererStatus = z.infer<typeof RendererStatusSchema>;

export const PauseReplySchema = z.object({ paused: z.boolean() });
export type PauseReply = z.infer<typeof PauseReplySchema>;

/** What the Stable Diffusion server offers, for the admin's generation settings. */
export const CatalogReplySchema = z.object({
  /** Checkpoint titles as /sdapi/v1/sd-models gives them (the value to send as the model). */
  models: z.array(z.string().max(500)).max(1000),
  samplers: z.array(z.string().max(200)).max(500),
  /** Why the lists are empty, when SD could not be asked (preview backend, SD unreachable). */
  unavailable: z.string().max(500).nullable(),
});
export type CatalogReply = z.infer<typeof CatalogReplySchema>;

/** Ties each pattern to its request and reply schema; the typed client and the server both read it. */
export const RendererContract = {
  [RendererPattern.Enqueue]: { request: EnqueueRequestSchema, reply: EnqueueReplySchema },
  [RendererPattern.Cancel]: { request: PromptIdRequestSchema, reply: CancelReplySchema },
  [RendererPattern.Status]: { request: EmptyRequestSchema, reply: RendererStatusSchema },
  [RendererPattern.Results]: { request: ResultsRequestSchema, reply: ResultsReplySchema },
  [RendererPattern.Ack]: { request: AckRequestSchema, reply: AckReplySchema },
  [RendererPattern.Pause]: { request: EmptyRequestSchema, reply: PauseReplySchema },
  [RendererPattern.Resume]: { request: EmptyRequestSchema, reply: PauseReplySchema },
  [RendererPattern.Catalog]: { request: EmptyRequestSchema, reply: CatalogReplySchema },
} as const;
export type RendererContract = typeof RendererContract;

export type RendererRequest<P extends RendererPattern> = z.infer<RendererContract[P]['request']>;
export type RendererReply<P extends RendererPattern> = z.infer<RendererContract[P]['reply']>;
