/** Public types of the fake AUTOMATIC1111 server; other test code programs against exactly these. */

export type FakeMode =
  | 'normal'
  | 'hang'
  | 'stall'
  | 'error500'
  | 'oom'
  | 'reset'
  | 'reset-reused'
  | 'refuse'
  | 'validation422'
  | 'broken'
  | 'empty200'
  | 'ignore-model'
  | 'api-off';

export const FAKE_MODES: readonly FakeMode[] = [
  'normal',
  'hang',
  'stall',
  'error500',
  'oom',
  'reset',
  'reset-reused',
  'refuse',
  'validation422',
  'broken',
  'empty200',
  'ignore-model',
  'api-off',
];

/** Which server the fake plays: the API is A1111's, with each fork's differences (reference §5, §8). */
export type FakeFlavour = 'a1111' | 'forge' | 'sdnext';

export type SamplesFormat = 'png' | 'jpeg' | 'webp';

export interface FakeA1111Options {
  /** Default '127.0.0.1'. The fake never binds anything but a loopback address. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Delay per sampling step; default 0 (answers at once). */
  stepDelayMs?: number;
  /** If set, each generation takes exactly this long whatever its step count (overrides stepDelayMs). */
  fixedDelayMs?: number;
  /** Extra time the first generation and every checkpoint switch take (A1111 loads models lazily); default 0. */
  modelLoadMs?: number;
  mode?: FakeMode;
  /** With a failing mode: fail this many generations, then behave normally (undefined = forever). */
  failTimes?: number;
  /** HTTP Basic on /sdapi routes, as `--api-auth` does. */
  auth?: { username: string; password: string };
  /** Initial `samples_format` option; default 'png'. JPEG and WEBP are fakes with correct headers. */
  samplesFormat?: SamplesFormat;
  /** A1111 ≤1.8 behaviour: an unknown sampler is a 404 instead of a silent fallback. */
  legacySamplerNotFound?: boolean;
  /** W·H·batch_size above this is a CUDA OOM (500), as on a real card; default 4096². */
  oomPixels?: number;
  /** Gzip bodies over 1000 bytes when the client accepts it, like A1111's GZipMiddleware; default true. */
  gzip?: boolean;
  /**
   * A1111/Forge started with --api but without --nowebui: the web-UI-only GET /internal/ping and the task
   * tracker POST /internal/progress, served through Gradio's uvicorn with its 5 s keep-alive.
   */
  uiMode?: boolean;
  /** Default 'a1111'. */
  flavour?: FakeFlavour;
  /** Idle keep-alive of the server's connections; default 5 s in UI mode (Gradio), else 30 s (uvicorn). */
  keepAliveMs?: number;
  /** Serve the /fake/* control routes (used by the process entry); default false. */
  controlRoutes?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /**
   * Parsed JSON body (or the raw text if it did not parse), with every string longer than 256 characters
   * shortened to `<first 32 chars>…[N chars]`; null without a body.
   */
  body: unknown;
  /** Date.now() when the request arrived. */
  at: number;
  authorization?: string;
  /** Lengths of each `init_images` entry as sent, so tests can assert an init image arrived intact. */
  initImageLengths?: number[];
  bodyBytes: number;
}

export type JobOutcome = 'ok' | 'interrupted' | 'failed' | 'reset';

export interface JobSpan {
  kind: 'txt2img' | 'img2img' | 'model-switch';
  startAt: number;
  endAt: number;
  outcome: JobOutcome;
}

export interface FakeStats {
  /** Connections the server dropped because a request came on a reused idle socket ('reset-reused'). */
  idleResets: number;
  /** Progress reads that cost the GPU a live-preview decode (/sdapi/v1/progress while busy, a tracker read with live_preview). */
  previewDecodes: number;
  /** Generations that held the lock (including failed and interrupted ones). */
  generations: number;
  /** Total time the global lock was held, including a job running now. */
  busyMs: number;
  firstStartAt: number | null;
  lastEndAt: number | null;
  /** POST /sdapi/v1/interrupt calls received. */
  interrupts: number;
  /** Generations that an interrupt or skip cut short. */
  interruptedGenerations: number;
  /** Generations answered with an error (500, reset) after taking the lock. */
  failures: number;
  /** Requests waiting for the lock right now. */
  waiting: number;
  /** Whether a job holds the lock right now. */
  running: boolean;
  /** The last 1000 lock holders, oldest first. */
  jobs: JobSpan[];
}

export interface FakeA1111 {
  url: string;
  port: number;
  /** 'refuse' closes the listener (ECONNREFUSED); any other mode reopens it on the same port. */
  setMode(mode: FakeMode, opts?: { failTimes?: number; forMs?: number }): Promise<void>;
  /** A key left out keeps its value; `fixedDelayMs: null` (or an explicit undefined) clears the fixed duration. */
  setDelays(opts: { stepDelayMs?: number; fixedDelayMs?: number | null; modelLoadMs?: number }): void;
  readonly mode: FakeMode;
  /** Every request except /fake/* control calls, in arrival order. */
  requests: RecordedRequest[];
  stats(): FakeStats;
  /** Changes the credentials `--api-auth` asks for (undefined: none), as a restart with other flags would. */
  setAuth(auth: { username: string; password: string } | undefined): void;
  /** Clears requests and stats (not the mode, delays or options). */
  reset(): void;
  close(): Promise<void>;
}
