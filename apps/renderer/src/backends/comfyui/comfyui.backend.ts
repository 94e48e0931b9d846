import { randomInt, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import type { RenderJob } from '#contracts';
import axios, { type AxiosRequestConfig } from 'axios';
import { firstValueFrom } from 'rxjs';
import type { SdServerConfig } from '../../config/renderer.config.js';
import { sleep } from '../../queue/sleep.js';
import { createConnectTimeoutAgent } from '../a1111/connect-timeout-agent.js';
import { IMG2IMG_DENOISING_STRENGTH } from '../a1111/a1111-payload.js';
import { sniffBase64ImageMime } from '../image-sniff.js';
import { EtaEstimator } from '../progress/eta-estimator.js';
import type { RenderBackend, RenderedImage, SdCatalog, SdProgress } from '../render-backend.js';
import { SdFailure } from '../sd-failure.js';
import { sdHttpDefaults } from '../sd-http.js';
import { optionsOf, resolveComfyChoices, type ComfyCatalog, type ComfyChoices } from './comfy-choices.js';
import { comfyFailure, executionFailure } from './comfy-errors.js';
import { type ComfyMessage, ComfySocket } from './comfy-socket.js';
import {
  BUILTIN_IMG2IMG,
  BUILTIN_TXT2IMG,
  fillWorkflow,
  type Workflow,
  type WorkflowKind,
} from './comfy-workflow.js';

const CATALOG_TTL_MS = 60_000;
/** ComfyUI keeps aiohttp's keep-alive; our idle sockets are dropped well before it. */
const IDLE_SOCKET_MS = 4_000;
/** After our scoped interrupt, the job ends at its next node or step; this long at most. */
const INTERRUPT_GRACE_MAX_MS = 10_000;
/** Seeds stay below 2^32: ComfyUI takes up to 2^64, but JSON numbers above 2^53 lose digits (reference §8). */
const SEED_LIMIT = 2 ** 32;

interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

/** How our prompt ended, as the WebSocket or the history says. */
type Ending = { done: true; images: ImageRef[] } | { done: false; failure: SdFailure };

/**
 * ComfyUI (reference comfyui-api.md). Jobs go in as API-format workflows (built-in, or the host's files with
 * placeholders) under our own prompt_id and client_id; progress comes over the WebSocket (history is polled as
 * well, so a dropped socket loses nothing); the image comes from the history and /view. Whatever we stop is
 * ours alone: a pending prompt is deleted from the queue by id, a running one interrupted by id; the shared
 * queue and other clients' prompts are never touched.
 */
export class ComfyUiBackend implements RenderBackend {
  readonly name = 'comfyui' as const;
  readonly description: string;

  private readonly logger = new Logger('ComfyUiBackend');
  private readonly http: HttpService;
  private readonly agent: http.Agent;
  private readonly socket: ComfySocket;
  private readonly clientId = `vernissage-${randomUUID()}`;
  private readonly shortCallTimeoutMs: number;
  private catalogCache: { at: number; catalog: ComfyCatalog } | null = null;
  /** A prompt of ours we gave up on that may still be running: the next waits for it (no second copy queued). */
  private lingering: string | null = null;

  constructor(private readonly server: SdServerConfig) {
    this.agent = createConnectTimeoutAgent(server.url.startsWith('https:'), server.connectTimeoutMs, {
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
    });
    this.http = new HttpService(
      axios.create({ ...sdHttpDefaults(server), httpAgent: this.agent, httpsAgent: this.agent }),
    );
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(this.clientId)}`;
    const headers: Record<string, string> = server.auth
      ? {
          Authorization: `Basic ${Buffer.from(`${server.auth.username}:${server.auth.password}`).toString('base64')}`,
        }
      : {};
    this.socket = new ComfySocket(wsUrl, headers);
    this.shortCallTimeoutMs = server.connectTimeoutMs + 5_000;
    const own = Object.entries(server.comfyWorkflows)
      .filter(([, workflow]) => workflow !== null)
      .map(([kind]) => kind);
    this.description = `ComfyUI at ${server.url} (${own.length ? `your workflows for ${own.join(' and ')}` : 'built-in workflows'}${server.auth ? ', HTTP Basic auth' : ''})`;
  }

  async health(): Promise<void> {
    await this.call('get', '/system_stats');
    void this.socket.ensure(this.server.connectTimeoutMs);
  }

  async catalog(): Promise<SdCatalog> {
    const catalog = await this.loadCatalog(true);
    return { ...catalog };
  }

  close(): void {
    this.socket.close();
    this.agent.destroy();
  }

  async render(
    job: RenderJob,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<RenderedImage> {
    const choices = await this.resolveChoices(job);
    // Listen before submitting, so no message about our prompt can come before we do.
    await this.socket.ensure(this.server.connectTimeoutMs);
    onProgress({ percent: 0, etaSeconds: null, phase: 'waiting' });
    await this.waitForLingering(signal);
    const kind: WorkflowKind = job.initImage === undefined ? 'txt2img' : 'img2img';
    const initImage = job.initImage === undefined ? undefined : await this.upload(job);
    const seed = randomInt(0, SEED_LIMIT);
    const template =
      this.server.comfyWorkflows[kind] ?? (kind === 'txt2img' ? BUILTIN_TXT2IMG : BUILTIN_IMG2IMG);
    const denoise = kind === 'img2img' ? IMG2IMG_DENOISING_STRENGTH : 1;
    const workflow = fillWorkflow(template, {
      prompt: job.prompt,
      negative_prompt: job.settings.negativePrompt,
      seed,
      steps: job.settings.steps,
      cfg: job.settings.cfgScale,
      sampler: choices.sampler,
      scheduler: choices.scheduler,
      width: job.width,
      height: job.height,
      model: choices.model,
      ...(initImage ? { init_image: initImage } : {}),
      denoise,
      filename_prefix: `vernissage/${job.suggestionId}`,
    });
    const promptId = randomUUID();
    const messages = new PromptMessages(this.socket, promptId);
    try {
      await this.submit(promptId, workflow);
      const images = await this.follow(promptId, messages, signal, onProgress);
      const image = await this.fetchImage(images);
      return {
        image,
        mime: sniffBase64ImageMime(image) ?? 'image/png',
        seed,
        info: {
          prompt: job.prompt,
          negative_prompt: job.settings.negativePrompt,
          seed,
          steps: job.settings.steps,
          cfg_scale: job.settings.cfgScale,
          sampler_name: choices.sampler,
          scheduler: choices.scheduler,
          sd_model_name: choices.model,
          width: job.width,
          height: job.height,
          ...(kind === 'img2img' ? { denoising_strength: denoise } : {}),
          workflow: this.server.comfyWorkflows[kind] ? 'host' : 'built-in',
          comfy_prompt_id: promptId,
        },
      };
    } finally {
      messages.close();
    }
  }

  private async resolveChoices(job: RenderJob): Promise<ComfyChoices> {
    try {
      return resolveComfyChoices(job.settings, await this.loadCatalog(false));
    } catch (error) {
      if (!(error instanceof SdFailure) || error.kind !== 'rejected') throw error;
      return resolveComfyChoices(job.settings, await this.loadCatalog(true));
    }
  }

  private async loadCatalog(fresh: boolean): Promise<ComfyCatalog> {
    const cached = this.catalogCache;
    if (cached && !fresh && Date.now() - cached.at < CATALOG_TTL_MS) return cached.catalog;
    const [checkpoints, sampler] = await Promise.all([
      this.call<unknown>('get', '/object_info/CheckpointLoaderSimple'),
      this.call<unknown>('get', '/object_info/KSampler'),
    ]);
    const catalog: ComfyCatalog = {
      models: optionsOf(checkpoints, 'CheckpointLoaderSimple', 'ckpt_name'),
      samplers: optionsOf(sampler, 'KSampler', 'sampler_name'),
      schedulers: optionsOf(sampler, 'KSampler', 'scheduler'),
    };
    if (catalog.samplers.length === 0) {
      throw new SdFailure('setup', 'ComfyUI lists no KSampler: is SD_URL a ComfyUI server?');
    }
    this.catalogCache = { at: Date.now(), catalog };
    return catalog;
  }

  /** The guest's picture into ComfyUI's input folder; LoadImage then names it as the upload answered. */
  private async upload(job: RenderJob): Promise<string> {
    const form = new FormData();
    const bytes = Buffer.from(job.initImage!, 'base64');
    form.append('image', new Blob([bytes], { type: 'image/png' }), `guest-${job.suggestionId}.png`);
    form.append('subfolder', 'vernissage');
    form.append('type', 'input');
    form.append('overwrite', 'true');
    const answer = await this.call<unknown>('post', '/upload/image', form, {
      timeout: this.server.readTimeoutMs,
    });
    const { name, subfolder } = (answer ?? {}) as { name?: unknown; subfolder?: unknown };
    if (typeof name !== 'string' || name === '') {
      throw new SdFailure('server', 'ComfyUI did not say where it stored the init image');
    }
    return typeof subfolder === 'string' && subfolder !== '' ? `${subfolder}/${name}` : name;
  }

  /**
   * POST /prompt is not idempotent: after a lost answer, our prompt_id is looked for in the queue and the history
   * before anything is sent again (reference §9.3).
   */
  private async submit(promptId: string, workflow: Workflow): Promise<void> {
    try {
      await this.call('post', '/prompt', { prompt: workflow, client_id: this.clientId, prompt_id: promptId });
    } catch (error) {
      const failure = error as SdFailure;
      if (failure.kind !== 'reset' && failure.kind !== 'timeout') throw failure;
      const where = await this.whereIs(promptId).catch(() => 'lost' as const);
      if (where === 'lost') throw failure;
    }
  }

  /** Follows our prompt to its end; the read timeout counts from when it starts running, not while it waits. */
  private async follow(
    promptId: string,
    messages: PromptMessages,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<ImageRef[]> {
    const { readTimeoutMs } = this.server;
    const pollEveryMs = Math.max(1_000, this.server.progressIntervalMs * 4);
    const eta = new EtaEstimator();
    let runningSince: number | null = null;
    let giveUpAt: number | null = null;
    let interrupted = false;
    let lastPoll = Date.now();
    const started = () => {
      if (runningSince !== null) return;
      runningSince = Date.now();
      onProgress({ percent: 0, etaSeconds: null, phase: 'starting' });
    };
    for (;;) {
      const deadline = Math.min(
        giveUpAt ?? (runningSince !== null ? runningSince + readTimeoutMs : Infinity),
        lastPoll + pollEveryMs,
      );
      const message = await messages.next(Math.max(0, deadline - Date.now()), signal);
      if (signal.aborted) {
        await this.stop(promptId);
        throw new SdFailure('cancelled', 'The job was cancelled');
      }
      let ending: Ending | null = null;
      if (message) {
        ending = this.onMessage(message, interrupted);
        if (message.type === 'execution_start') started();
        if (message.type === 'executing' && message.data['node'] === null) {
          // The end of our prompt; its history entry is written by now.
          const where = await this.whereIs(promptId).catch(() => null);
          if (where && typeof where === 'object') ending = where;
        }
        if (message.type === 'progress') {
          started();
          const value = Number(message.data['value']);
          const max = Number(message.data['max']);
          if (max > 0 && Number.isFinite(value)) {
            const fraction = Math.min(1, value / max);
            onProgress({
              percent: Math.round(fraction * 1000) / 10,
              etaSeconds: eta.feed(fraction),
              phase: 'rendering',
            });
          }
        }
      }
      const now = Date.now();
      if (!ending && now >= lastPoll + pollEveryMs) {
        // The socket may have dropped (or never opened): the history and the queue say the same.
        lastPoll = now;
        if (!this.socket.open) void this.socket.ensure(this.server.connectTimeoutMs);
        const where = await this.whereIs(promptId).catch(() => null);
        if (where === 'running') started();
        else if (where === 'lost') {
          throw new SdFailure('reset', 'ComfyUI lost our prompt (restarted?); sending it again');
        } else if (where && typeof where === 'object') ending = where;
      }
      if (ending) {
        if (ending.done) return ending.images;
        throw ending.failure;
      }
      if (giveUpAt !== null && now >= giveUpAt) {
        this.lingering = promptId;
        throw this.timeoutFailure();
      }
      if (giveUpAt === null && runningSince !== null && now - runningSince >= readTimeoutMs) {
        this.logger.warn(
          `Prompt ${promptId} ran longer than ${readTimeoutMs / 1000} s; interrupting it (by its id)`,
        );
        await this.interruptOurs(promptId);
        interrupted = true;
        giveUpAt = now + Math.min(readTimeoutMs, INTERRUPT_GRACE_MAX_MS);
      }
    }
  }

  private onMessage(message: ComfyMessage, interruptedByUs: boolean): Ending | null {
    switch (message.type) {
      case 'execution_error':
        return { done: false, failure: executionFailure(message.data) };
      case 'execution_interrupted':
        return {
          done: false,
          failure: interruptedByUs
            ? this.timeoutFailure()
            : new SdFailure('server', 'ComfyUI interrupted our prompt (someone stopped the running job)'),
        };
      default:
        return null;
    }
  }

  private timeoutFailure(): SdFailure {
    return new SdFailure(
      'timeout',
      `ComfyUI did not finish within ${Math.round(this.server.readTimeoutMs / 100) / 10} s of starting our prompt (read timeout; interrupted)`,
    );
  }

  /**
   * Where our prompt is: finished (with its images or failure, from the history), running, pending, or lost
   * (neither in the queue nor in the history: ComfyUI restarted).
   */
  private async whereIs(promptId: string): Promise<Ending | 'running' | 'pending' | 'lost'> {
    const fromHistory = async () => {
      const history = await this.call<Record<string, unknown>>(
        'get',
        `/history/${encodeURIComponent(promptId)}`,
      );
      const entry = history?.[promptId];
      return entry && typeof entry === 'object' ? endingOf(entry as Record<string, unknown>) : null;
    };
    const first = await fromHistory();
    if (first) return first;
    const queue = await this.call<{ queue_running?: unknown[]; queue_pending?: unknown[] }>('get', '/queue');
    const holds = (list: unknown[] | undefined) =>
      (list ?? []).some((item) => Array.isArray(item) && item[1] === promptId);
    if (holds(queue.queue_running)) return 'running';
    if (holds(queue.queue_pending)) return 'pending';
    // It may have finished between the two calls.
    return (await fromHistory()) ?? 'lost';
  }

  /** Stops exactly our prompt: out of the queue if it waits, interrupted by id if it runs. */
  private async stop(promptId: string): Promise<void> {
    const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
    await Promise.race([
      Promise.all([
        quietly(this.call('post', '/queue', { delete: [promptId] })),
        quietly(this.interruptOurs(promptId)),
      ]),
      sleep(2_000),
    ]);
  }

  private interruptOurs(promptId: string): Promise<unknown> {
    // Only the {prompt_id} form: the bare one stops whatever runs, whoever sent it.
    return this.call('post', '/interrupt', { prompt_id: promptId }).catch((error: unknown) => {
      this.logger.warn(`Could not interrupt our ComfyUI prompt: ${(error as Error).message}`);
    });
  }

  /** A prompt we gave up on: out of the queue if pending; if it still runs, wait (bounded) rather than pile up. */
  private async waitForLingering(signal: AbortSignal): Promise<void> {
    const promptId = this.lingering;
    if (!promptId) return;
    const since = Date.now();
    for (;;) {
      const where = await this.whereIs(promptId).catch(() => 'lost' as const);
      if (where === 'pending')
        await this.call('post', '/queue', { delete: [promptId] }).catch(() => undefined);
      if (where !== 'running') break;
      if (Date.now() - since > this.server.readTimeoutMs) {
        throw new SdFailure(
          'timeout',
          'ComfyUI is still running an earlier prompt of ours that did not stop; not sending another',
        );
      }
      await sleep(this.server.progressIntervalMs * 2, signal);
      if (signal.aborted) throw new SdFailure('cancelled', 'The job was cancelled');
    }
    this.lingering = null;
  }

  private async fetchImage(images: ImageRef[]): Promise<string> {
    const image = images.find((i) => i.type === 'output') ?? images[0];
    if (!image)
      throw new SdFailure(
        'invalid-output',
        'ComfyUI finished our prompt without an image (no SaveImage output)',
      );
    const data = await this.call<ArrayBuffer>('get', '/view', undefined, {
      params: { filename: image.filename, subfolder: image.subfolder, type: image.type },
      responseType: 'arraybuffer',
      timeout: this.server.readTimeoutMs,
    });
    const base64 = Buffer.from(data).toString('base64');
    if (!sniffBase64ImageMime(base64)) {
      throw new SdFailure('invalid-output', 'ComfyUI returned data that is not a PNG, JPEG or WEBP image');
    }
    return base64;
  }

  private async call<T>(
    method: 'get' | 'post',
    path: string,
    body?: unknown,
    options: AxiosRequestConfig = {},
  ): Promise<T> {
    const config: AxiosRequestConfig = { timeout: this.shortCallTimeoutMs, ...options };
    try {
      const response =
        method === 'get'
          ? await firstValueFrom(this.http.get<T>(path, config))
          : await firstValueFrom(this.http.post<T>(path, body, config));
      return response.data;
    } catch (error) {
      const failure = comfyFailure(error, { sdUrl: this.server.url, path });
      if (failure.kind === 'unreachable' || failure.kind === 'setup') this.catalogCache = null;
      throw failure;
    }
  }
}

/** A history entry's outcome: its images, or why it failed. */
function endingOf(entry: Record<string, unknown>): Ending | null {
  const status = (entry['status'] ?? {}) as { status_str?: unknown; completed?: unknown; messages?: unknown };
  if (status.status_str === 'success' || status.completed === true) {
    const outputs = (entry['outputs'] ?? {}) as Record<string, { images?: unknown }>;
    const images: ImageRef[] = [];
    for (const output of Object.values(outputs)) {
      for (const image of Array.isArray(output?.images) ? output.images : []) {
        const { filename, subfolder, type } = image as Record<string, unknown>;
        if (typeof filename === 'string') {
          images.push({
            filename,
            subfolder: typeof subfolder === 'string' ? subfolder : '',
            type: typeof type === 'string' ? type : 'output',
          });
        }
      }
    }
    return { done: true, images };
  }
  if (status.status_str === 'error') {
    const messages = Array.isArray(status.messages) ? (status.messages as unknown[]) : [];
    for (const item of messages.toReversed()) {
      if (!Array.isArray(item)) continue;
      const [type, data] = item as [unknown, Record<string, unknown>];
      if (type === 'execution_error') return { done: false, failure: executionFailure(data ?? {}) };
      if (type === 'execution_interrupted') {
        return { done: false, failure: new SdFailure('server', 'ComfyUI interrupted our prompt') };
      }
    }
    return { done: false, failure: new SdFailure('server', 'ComfyUI reports our prompt failed') };
  }
  return null;
}

/** The WebSocket messages about one prompt, queued until the follower reads them. */
class PromptMessages {
  private readonly queue: ComfyMessage[] = [];
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(socket: ComfySocket, promptId: string) {
    this.unsubscribe = socket.subscribe((message) => {
      if (message.data['prompt_id'] !== promptId) return;
      this.queue.push(message);
      this.wake?.();
    });
  }

  /** The next message, or null after `ms` (or when `signal` aborts). */
  async next(ms: number, signal: AbortSignal): Promise<ComfyMessage | null> {
    if (this.queue.length === 0 && ms > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wake = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    return this.queue.shift() ?? null;
  }

  close(): void {
    this.unsubscribe();
  }
}
