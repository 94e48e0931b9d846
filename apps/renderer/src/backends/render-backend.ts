import type { BackendName, RenderJob, RenderResult } from '#contracts';

/** Injection token for the backend chosen from the configuration. */
export const RENDER_BACKEND = Symbol('RENDER_BACKEND');

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
  /** A hint only: A1111's ETA is wild early in a job and can go negative. */
  etaSeconds: number | null;
}

/**
 * What the queue needs from a Stable Diffusion server. Every method that talks to SD rejects with an SdFailure, so
 * the queue's retry policy sees one vocabulary whatever the backend.
 */
export interface RenderBackend {
  readonly name: BackendName;
  /** Shown in the log at start and on the admin page. */
  readonly description: string;
  /** Whether progress() reports anything worth polling for. */
  readonly reportsProgress: boolean;
  render(job: RenderJob, signal: AbortSignal): Promise<RenderedImage>;
  progress(): Promise<SdProgress | null>;
  /** Stops the generation SD is running now (the job's result is then thrown away). */
  interrupt(): Promise<void>;
  /** Resolves when SD answers a cheap request; rejects with an SdFailure otherwise. */
  health(): Promise<void>;
  /** The checkpoints and samplers SD offers (empty for a backend without any); rejects with an SdFailure. */
  catalog(): Promise<{ models: string[]; samplers: string[] }>;
}
