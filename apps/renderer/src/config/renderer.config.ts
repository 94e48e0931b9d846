import { readFileSync } from 'node:fs';
import { RENDERER_MAX_FRAME_BYTES, WORKER_LIMITS, readOrCreateSecretFile } from '#contracts';
import { z } from 'zod';
import { parseWorkflowText, type Workflow, type WorkflowKind } from '../backends/comfyui/comfy-workflow.js';

/** A few seconds to prove the token; a gateway needs one connection per renderer, tests a few more. */
export const LINK_DEFAULTS = { authTimeoutMs: 5_000, maxConnections: 64 } as const;

/** Injection token for the validated configuration object. */
export const RENDERER_CONFIG = Symbol('RENDERER_CONFIG');

export interface SdCredentials {
  username: string;
  password: string;
}

export interface RendererTlsConfig {
  cert: string;
  key: string;
  ca?: string;
}

export type SdBackendKind = 'a1111' | 'comfyui' | 'preview';
export const SD_FLAVOURS = ['auto', 'a1111', 'forge', 'sdnext'] as const;
export type SdFlavourSetting = (typeof SD_FLAVOURS)[number];

/** The default address of each kind of server when SD_BACKEND is given without SD_URL. */
const DEFAULT_SD_URLS = { a1111: 'http://127.0.0.1:7860', comfyui: 'http://127.0.0.1:8188' } as const;

/** One SD server the renderer drives: its own worker, one job at a time. */
export interface SdWorkerConfig {
  backend: SdBackendKind;
  /** Null for the preview backend. */
  url: string | null;
  flavour: SdFlavourSetting;
}

export interface RendererConfig {
  host: string;
  /** 0 asks the OS for a free port (tests). */
  port: number;
  token: string;
  maxFrameBytes: number;
  /**
   * A connection that has not proved the token within this long is closed. (Always set by
   * parseRendererConfig; optional only so configs built by hand in specs need not name it.)
   */
  authTimeoutMs?: number;
  /** Open connections at most (authenticated or not); more are refused at once. Optional as above. */
  maxConnections?: number;
  /** Null selects the preview backend. */
  sdUrl: string | null;
  sdBackend: SdBackendKind;
  /** A1111 family: which server it is; 'auto' asks the server. */
  sdFlavour: SdFlavourSetting;
  /** Other people use the same SD server: never interrupt it, restore its model after each job. */
  sdShared: boolean;
  /** What a job whose image came from another model than the one asked for becomes. */
  sdModelMismatch: 'fail' | 'warn';
  /** The host's ComfyUI workflows (already checked), or null for the built-in ones. */
  comfyWorkflows: Record<WorkflowKind, Workflow | null>;
  sdAuth: SdCredentials | null;
  sdConnectTimeoutMs: number;
  sdReadTimeoutMs: number;
  renderMaxAttempts: number;
  renderRetryBaseMs: number;
  /** How often the current job's progress is read from SD while it renders. */
  progressIntervalMs: number;
  tls: RendererTlsConfig | null;
  /**
   * Every SD server from SD_URL / SD_BACKEND (/ SD_FLAVOUR), in order, at least one; the fields sdUrl,
   * sdBackend and sdFlavour above repeat the first one's.
   */
  workers: SdWorkerConfig[];
}

/** Everything one backend instance needs about its SD server (several exist side by side). */
export interface SdServerConfig {
  url: string;
  auth: SdCredentials | null;
  flavour: SdFlavourSetting;
  shared: boolean;
  modelMismatch: 'fail' | 'warn';
  connectTimeoutMs: number;
  readTimeoutMs: number;
  progressIntervalMs: number;
  maxFrameBytes: number;
  comfyWorkflows: Record<WorkflowKind, Workflow | null>;
}

/** The settings of one SD server: the first one's unless `worker` says which. */
export function sdServerOf(config: RendererConfig, worker?: SdWorkerConfig): SdServerConfig {
  return {
    url: (worker ? worker.url : config.sdUrl) ?? '',
    auth: config.sdAuth,
    flavour: worker ? worker.flavour : config.sdFlavour,
    shared: config.sdShared,
    modelMismatch: config.sdModelMismatch,
    connectTimeoutMs: config.sdConnectTimeoutMs,
    readTimeoutMs: config.sdReadTimeoutMs,
    progressIntervalMs: config.progressIntervalMs,
    maxFrameBytes: config.maxFrameBytes,
    comfyWorkflows: config.comfyWorkflows,
  };
}

export class RendererConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One line: this is all a person sees when the renderer will not start.
    super(`Invalid renderer configuration: ${problems.join('; ')}.`);
    this.name = 'RendererConfigError';
  }
}

type Env = Record<string, string | undefined>;

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `must be a whole number between ${min} and ${max}` })
      .int({ error: `must be a whole number between ${min} and ${max}` })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );

const optionalText = z.preprocess(blankToUndefined, z.string().optional());

/** A comma-separated list (entries trimmed, each checked by `entry`); undefined when blank. */
const list = <T extends z.ZodType>(entry: T, normalise: (text: string) => string = (text) => text) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value.trim() === ''
          ? undefined
          : value.split(',').map((part) => normalise(part.trim()))
        : value,
    z.array(entry).optional(),
  );

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** `SD_URL` for a whole list, `SD_URL (entry 2)` for one entry of a longer list. */
function problemPath(path: PropertyKey[], env: Env): string {
  const [variable, entry] = path;
  if (variable === undefined) return '(environment)';
  const many = (env[String(variable)] ?? '').includes(',');
  return typeof entry === 'number' && many ? `${String(variable)} (entry ${entry + 1})` : String(variable);
}

const EnvSchema = z.object({
  RENDERER_HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  RENDERER_PORT: integer(0, 65_535, 4001),
  RENDERER_TOKEN: z.preprocess(
    blankToUndefined,
    z
      .string()
      .min(16, { error: 'must be at least 16 characters (or unset, to use RENDERER_TOKEN_FILE)' })
      .optional(),
  ),
  RENDERER_TOKEN_FILE: z.preprocess(blankToUndefined, z.string().default('database/renderer.token')),
  RENDERER_MAX_FRAME_BYTES: integer(1024, 1024 * 1024 * 1024, RENDERER_MAX_FRAME_BYTES),
  RENDERER_AUTH_TIMEOUT_MS: integer(100, 60_000, LINK_DEFAULTS.authTimeoutMs),
  RENDERER_MAX_CONNECTIONS: integer(1, 10_000, LINK_DEFAULTS.maxConnections),
  // Each a comma-separated list: one SD server per entry (one entry applies to every server).
  SD_URL: list(
    z.string().refine((value) => value === '' || isHttpUrl(value), {
      error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:7860',
    }),
  ),
  SD_BACKEND: list(
    z.enum(['a1111', 'comfyui', 'preview'], { error: 'must be a1111, comfyui or preview' }),
    (entry) => entry.toLowerCase(),
  ),
  SD_FLAVOUR: list(
    z.enum(SD_FLAVOURS, { error: 'must be auto, a1111, forge or sdnext' }),
    (entry) => entry.toLowerCase() || 'auto',
  ),
  SD_SHARED: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z
      .enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'], { error: 'must be on or off' })
      .default('off'),
  ),
  SD_MODEL_MISMATCH: z.preprocess(
    blankToUndefined,
    z.enum(['fail', 'warn'], { error: 'must be fail or warn' }).default('fail'),
  ),
  COMFY_WORKFLOW_TXT2IMG: optionalText,
  COMFY_WORKFLOW_IMG2IMG: optionalText,
  SD_AUTH: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[^:]+:.+$/, { error: 'must look like user:password' })
      .optional(),
  ),
  SD_CONNECT_TIMEOUT_MS: integer(1, 600_000, 5_000),
  SD_READ_TIMEOUT_MS: integer(1, 24 * 3_600_000, 600_000),
  RENDER_MAX_ATTEMPTS: integer(1, 100, 4),
  RENDER_RETRY_BASE_MS: integer(1, 600_000, 1_000),
  RENDER_PROGRESS_INTERVAL_MS: integer(10, 60_000, 500),
  RENDERER_TLS_CERT: optionalText,
  RENDERER_TLS_KEY: optionalText,
  RENDERER_TLS_CA: optionalText,
});

/**
 * Validates the renderer's environment. Pure apart from reading the TLS files and the token file, so tests pass a
 * plain object; every problem is reported at once, each naming its variable. Secret values are never echoed.
 */
export function parseRendererConfig(env: Env): RendererConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new RendererConfigError(
      parsed.error.issues.map((issue) => `${problemPath(issue.path, env)} ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];

  let tls: RendererTlsConfig | null = null;
  if (e.RENDERER_TLS_CERT || e.RENDERER_TLS_KEY) {
    if (!e.RENDERER_TLS_CERT || !e.RENDERER_TLS_KEY) {
      problems.push('RENDERER_TLS_CERT and RENDERER_TLS_KEY must be set together (paths to PEM files)');
    } else {
      const cert = readPemFile('RENDERER_TLS_CERT', e.RENDERER_TLS_CERT, problems);
      const key = readPemFile('RENDERER_TLS_KEY', e.RENDERER_TLS_KEY, problems);
      const ca = e.RENDERER_TLS_CA ? readPemFile('RENDERER_TLS_CA', e.RENDERER_TLS_CA, problems) : undefined;
      if (cert && key) tls = { cert, key, ...(ca ? { ca } : {}) };
    }
  } else if (e.RENDERER_TLS_CA) {
    problems.push(
      'RENDERER_TLS_CA is set but RENDERER_TLS_CERT/RENDERER_TLS_KEY are not: TLS needs a certificate',
    );
  }

  const workers = parseWorkers(e.SD_URL ?? [], e.SD_BACKEND ?? [], e.SD_FLAVOUR ?? ['auto'], problems);
  const [first] = workers;
  const sdBackend: SdBackendKind = first?.backend ?? 'preview';
  const sdUrl = first?.url ?? null;
  if (e.SD_AUTH && workers.every((worker) => worker.url === null)) {
    problems.push('SD_AUTH is set but SD_URL is not: there is no server to log in to');
  }
  const comfyWorkflows: Record<WorkflowKind, Workflow | null> = { txt2img: null, img2img: null };
  const workflowFiles = { txt2img: e.COMFY_WORKFLOW_TXT2IMG, img2img: e.COMFY_WORKFLOW_IMG2IMG };
  for (const kind of ['txt2img', 'img2img'] as const) {
    const path = workflowFiles[kind];
    if (!path) continue;
    const variable = `COMFY_WORKFLOW_${kind.toUpperCase()}`;
    if (!workers.some((worker) => worker.backend === 'comfyui')) {
      problems.push(`${variable} is set but SD_BACKEND is not comfyui`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push(
        `${variable} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (${path})`,
      );
      continue;
    }
    const parsed = parseWorkflowText(text, kind);
    if ('problems' in parsed) {
      for (const problem of parsed.problems) problems.push(`${variable} (${path}) ${problem}`);
    } else {
      comfyWorkflows[kind] = parsed.workflow;
    }
  }

  let token = e.RENDERER_TOKEN;
  if (!token && problems.length === 0) {
    try {
      // Shared with the gateway, so a one-machine set-up needs no configuration at all.
      token = readOrCreateSecretFile(e.RENDERER_TOKEN_FILE);
    } catch (error) {
      problems.push(`RENDERER_TOKEN_FILE cannot be read or created (${(error as Error).message})`);
    }
    if (token !== undefined && token.length < 16) {
      problems.push(`RENDERER_TOKEN_FILE holds a token shorter than 16 characters`);
    }
  }
  if (problems.length > 0 || !token) throw new RendererConfigError(problems);

  const colon = e.SD_AUTH?.indexOf(':') ?? -1;
  return {
    host: e.RENDERER_HOST,
    port: e.RENDERER_PORT,
    token,
    maxFrameBytes: e.RENDERER_MAX_FRAME_BYTES,
    authTimeoutMs: e.RENDERER_AUTH_TIMEOUT_MS,
    maxConnections: e.RENDERER_MAX_CONNECTIONS,
    sdUrl,
    sdBackend,
    sdFlavour: first?.flavour ?? 'auto',
    sdShared: ['on', 'true', '1', 'yes'].includes(e.SD_SHARED),
    sdModelMismatch: e.SD_MODEL_MISMATCH,
    comfyWorkflows,
    sdAuth: e.SD_AUTH ? { username: e.SD_AUTH.slice(0, colon), password: e.SD_AUTH.slice(colon + 1) } : null,
    sdConnectTimeoutMs: e.SD_CONNECT_TIMEOUT_MS,
    sdReadTimeoutMs: e.SD_READ_TIMEOUT_MS,
    renderMaxAttempts: e.RENDER_MAX_ATTEMPTS,
    renderRetryBaseMs: e.RENDER_RETRY_BASE_MS,
    progressIntervalMs: e.RENDER_PROGRESS_INTERVAL_MS,
    tls,
    workers,
  };
}

/**
 * One worker per SD server. A list of one applies to every server; longer lists pair up entry by entry.
 * Without SD_URL each backend gets its default address; the preview backend takes no URL.
 */
function parseWorkers(
  urls: string[],
  backends: SdBackendKind[],
  flavours: SdFlavourSetting[],
  problems: string[],
): SdWorkerConfig[] {
  const count = Math.max(urls.length, backends.length, 1);
  if (urls.length > 1 && backends.length > 1 && urls.length !== backends.length) {
    problems.push(
      `SD_BACKEND lists ${backends.length} backends but SD_URL lists ${urls.length} servers: give one backend for all, or one per server`,
    );
    return [];
  }
  if (flavours.length > 1 && flavours.length !== count) {
    problems.push(
      `SD_FLAVOUR lists ${flavours.length} flavours for ${count} servers: give one for all, or one per server`,
    );
    return [];
  }
  if (count > WORKER_LIMITS.maxPerRenderer) {
    problems.push(
      `SD_URL lists ${count} servers; one renderer drives at most ${WORKER_LIMITS.maxPerRenderer}`,
    );
    return [];
  }
  const pick = <T>(values: T[], i: number): T | undefined => (values.length > 1 ? values[i] : values[0]);
  const workers: SdWorkerConfig[] = [];
  for (let i = 0; i < count; i++) {
    const given = pick(urls, i) || undefined;
    const backend = pick(backends, i) ?? (given ? 'a1111' : 'preview');
    const url = backend === 'preview' ? null : (given ?? DEFAULT_SD_URLS[backend]).replace(/\/+$/, '');
    workers.push({ backend, url, flavour: pick(flavours, i) ?? 'auto' });
  }
  const seen = new Set<string>();
  for (const { url } of workers) {
    if (url === null) continue;
    if (seen.has(url)) {
      problems.push(`SD_URL lists ${url} twice: each server does one job at a time, so list it once`);
    }
    seen.add(url);
  }
  return workers;
}

function readPemFile(variable: string, path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(
      `${variable} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (${path})`,
    );
    return undefined;
  }
}
