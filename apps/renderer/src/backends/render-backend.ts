import type { BackendName, RenderJob, RenderPhase, RenderResult } from '#contracts';

/** Injection token for the first SD server's backend. */
export const RENDER_BACKEND = Symbol('RENDER_BACKEND');
/** Injection token for every SD server's backend, in SD_URL order (one worker each). */
export const RENDER_BACKENDS = Symbol('RENDER_BACKENDS');

export type { BackendName };
export type ImageMime = Extract<RenderResult, { status: 'rendered' }>['mime'];

export interface RenderedImage {
  /** base64 of the image bytes, exactly as they will be stored. */
  image: string;
  mime: ImageMime;
  seed: number | null;
  info: Record<string, unknown>;
}

export interface SdProgress {
  percent: number;
  /** Our own estimate from the rate of progress; null until there is a rate to go by (e.g. while a model loads). */
  etaSeconds: number | null;
  phase: RenderPhase;
}

export interface SdCatalog {
  models: string[];
  samplers: string[];
  schedulers: string[];
}

/**
 * What the queue needs from one Stable Diffusion server. A backend instance is self-contained (its own URL,
 * connections, what it learnt about the server), so several run side by side, one per worker. Every method that
 * talks to SD rejects with an SdFailure, so the retry policy sees one vocabulary whatever the backend.
 */
export interface RenderBackend {
  readonly name: BackendName;
  /** Shown in the log at start and on the admin page. */
  readonly description: string;
  /**
   * Renders one job, reporting where it stands through `onProgress`. Aborting `signal` (cancel, shutdown)
   * stops the job on SD as far as that is ours to stop (never anyone else's work), then rejects 'cancelled'.
   * Timeouts are the backend's: only time our job spends running counts, not time spent waiting behind others.
   */
  render(
    job: RenderJob,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<RenderedImage>;
  /** Resolves when SD answers a cheap request as we need it to; rejects with an SdFailure otherwise. */
  health(): Promise<void>;
  /** What SD offers for the settings page (empty for a backend without any); rejects with an SdFailure. */
  catalog(): Promise<SdCatalog>;
}
