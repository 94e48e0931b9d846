import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import type { RenderJob, RenderPhase } from '#contracts';
import axios, { type AxiosRequestConfig } from 'axios';
import { firstValueFrom } from 'rxjs';
import type { SdServerConfig } from '../../config/renderer.config.js';
import { sleep } from '../../queue/sleep.js';
import { EtaEstimator } from '../progress/eta-estimator.js';
import { PollInterval } from '../progress/poll-interval.js';
import type { RenderBackend, RenderedImage, SdCatalog, SdProgress } from '../render-backend.js';
import { SdFailure } from '../sd-failure.js';
import {
  FLAVOUR_LABELS,
  modelMismatch,
  parseA1111Catalog,
  resolveA1111Choices,
  type A1111Catalog,
  type A1111Choices,
  type A1111Flavour,
} from './a1111-choices.js';
import { isReusedSocketReset, toSdFailure } from './a1111-errors.js';
import {
  buildA1111Request,
  parseA1111Response,
  parseServerProgress,
  parseTaskProgress,
  type TaskProgress,
} from './a1111-payload.js';
import { createConnectTimeoutAgent } from './connect-timeout-agent.js';
import { isRecord } from '../json-values.js';
import { sdHttpDefaults } from '../sd-http.js';

/** The server's state (lock-free); without the task tracker, the only progress there is. */
const PROGRESS_PATH = '/sdapi/v1/progress?skip_current_image=true';
/**
 * The health probe: lock-free, present in A1111, Forge and SD.Next alike, behind their API auth, and a static
 * list, unlike /progress, whose every busy read costs the GPU a preview decode.
 */
const HEALTH_PATH = '/sdapi/v1/samplers';
/**
 * Idle kept-alive sockets are closed before this: `webui.sh --api` serves the API through Gradio's uvicorn,
 * which drops idle connections after 5 s (only `--nowebui` has the 30 s of `--timeout-keep-alive`).
 */
export const IDLE_SOCKET_MS = 4_000;
/** The server's lists are asked again after this long, and at once when a setting is not on them. */
const CATALOG_TTL_MS = 60_000;
/** An interrupt on cancel or shutdown must not hold the queue up for long. */
const STOP_WAIT_MS = 2_000;
/** After we interrupt our own job, its (partial) answer normally comes within a step; this long at most. */
const INTERRUPT_GRACE_MAX_MS = 10_000;

interface ServerInfo {
  flavour: A1111Flavour;
  /**
   * The web UI's task tracker (POST /internal/progress, A1111 and Forge started with --api, not --nowebui)
   * knows our `force_task_id`: whether our job waits for the lock, runs, or is done. Without it (SD.Next
   * does not register API jobs there) the server's state cannot be told apart from ours.
   */
  tracker: boolean;
}

/** A request of ours the server still has (cancelled, or given up on), and how to know when it is gone. */
interface Lingering {
  taskId: string;
  done: Promise<void>;
  isDone: () => boolean;
  /** Drops our side of it, once the server is known not to have it (neither queued nor running). */
  drop: () => void;
}

/**
 * The AUTOMATIC1111 web UI API as A1111, Forge and SD.Next serve it. Rules (reference §8):
 * - never interrupt work that is not ours: an interrupt is global, so it is sent only when our own task is
 *   known to be running (tracker), or on a server the host did not declare shared; never with SD_SHARED;
 * - the read timeout counts only time our job runs, not time it waits behind other clients for the lock;
 * - at most one request of ours is ever on the server: a request we stop waiting for stays there until it
 *   answers, and the next one is sent only then (no duplicate queued behind a retry);
 * - samplers, schedulers and models only from the server's own lists, and the model checked afterwards.
 */
export class A1111Backend implements RenderBackend {
  readonly name = 'a1111' as const;

  private readonly logger = new Logger('A1111Backend');
  private readonly http: HttpService;
  /**
   * One keep-alive pool for everything: a new connection per call costs about as much as our whole per-job
   * overhead otherwise.
   */
  private readonly agent: http.Agent;
  private readonly shortCallTimeoutMs: number;
  private info: ServerInfo | null = null;
  private detecting: Promise<ServerInfo> | null = null;
  private catalogCache: { at: number; catalog: A1111Catalog } | null = null;
  private lingering: Lingering | null = null;
  private readonly notesLogged = new Set<string>();
  private closed = false;

  constructor(private readonly server: SdServerConfig) {
    const secure = server.url.startsWith('https:');
    this.agent = createConnectTimeoutAgent(secure, server.connectTimeoutMs, {
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
    });
    this.http = new HttpService(axios.create(a1111HttpConfig(server)));
    this.shortCallTimeoutMs = server.connectTimeoutMs + 5_000;
  }

  get description(): string {
    const kind = this.info
      ? FLAVOUR_LABELS[this.info.flavour]
      : this.server.flavour === 'auto'
        ? 'AUTOMATIC1111-compatible'
        : FLAVOUR_LABELS[this.server.flavour];
    const extras = [
      ...(this.server.auth ? ['HTTP Basic auth'] : []),
      ...(this.server.shared ? ['shared: never interrupted'] : []),
    ];
    return `${kind} API at ${this.server.url}${extras.length ? ` (${extras.join(', ')})` : ''}`;
  }

  async render(
    job: RenderJob,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<RenderedImage> {
    const info = await this.serverInfo();
    const choices = await this.resolveChoices(job, info);
    await this.waitForLingering(info, signal, onProgress);
    const taskId = `vernissage-${job.suggestionId}-${randomUUID()}`;
    const { path, body } = buildA1111Request(job, { choices, taskId, restoreModel: this.server.shared });
    const data = await this.generate(path, body, taskId, info, signal, onProgress);
    const rendered = parseA1111Response(data);
    this.checkResult(choices, rendered);
    return rendered;
  }

  async health(): Promise<void> {
    await this.serverInfo();
    await this.call('get', HEALTH_PATH, undefined, this.shortCall());
  }

  async catalog(): Promise<SdCatalog> {
    const catalog = await this.loadCatalog(true);
    return {
      models: catalog.models.map((m) => m.title).slice(0, 500),
      samplers: catalog.samplers.map((s) => s.name).slice(0, 500),
      schedulers: (catalog.schedulers ?? []).map((s) => s.label).slice(0, 500),
    };
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  /** Sends one generation and follows it until it answers, we give up on it, or the job is cancelled. */
  private async generate(
    path: string,
    body: Record<string, unknown>,
    taskId: string,
    info: ServerInfo,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<unknown> {
    const { readTimeoutMs, shared } = this.server;
    let outcome: { ok: true; data: unknown } | { ok: false; error: unknown } | null = null;
    // No axios timeout: a request SD has accepted is left to answer (see the class). Dropped only once the
    // server is known not to have it.
    const connection = new AbortController();
    const drop = () => connection.abort();
    const settled = this.call<unknown>('post', path, body, {
      ...this.agents(),
      timeout: 0,
      signal: connection.signal,
    }).then(
      (data) => void (outcome = { ok: true, data }),
      (error: unknown) => void (outcome = { ok: false, error }),
    );
    const sentAt = Date.now();
    // With SD_SHARED and no tracker, whatever runs may be someone else's: we cannot read progress as ours.
    const readsProgress = info.tracker || !shared;
    // Without the tracker our job cannot be told from the wait for the lock: the clock runs from the send.
    let runningSince: number | null = info.tracker ? null : sentAt;
    let state: TaskProgress['state'] = 'unknown';
    let giveUpAt: number | null = null;
    let interrupted = false;
    const interval = new PollInterval(this.server.progressIntervalMs);
    const eta = new EtaEstimator();
    let wait = this.server.progressIntervalMs;
    onProgress({ percent: 0, etaSeconds: null, phase: 'waiting' });

    while (outcome === null) {
      const until = giveUpAt ?? (runningSince !== null ? runningSince + readTimeoutMs : Infinity);
      await Promise.race([settled, sleep(Math.max(0, Math.min(wait, until - Date.now())), signal)]);
      if (outcome !== null) break;
      if (signal.aborted) {
        if (!shared && (info.tracker ? state === 'active' : true)) await this.interruptBriefly();
        this.leave({ taskId, done: settled, isDone: () => outcome !== null, drop }, info, true);
        throw new SdFailure('cancelled', 'The job was cancelled');
      }
      const now = Date.now();
      if (giveUpAt !== null) {
        if (now < giveUpAt) continue;
        this.leave({ taskId, done: settled, isDone: () => outcome !== null, drop }, info, false);
        throw this.timeoutFailure(interrupted);
      }
      if (readsProgress) {
        const reading = await this.readProgress(taskId, info).catch(() => null);
        if (reading) {
          state = reading.state;
          const ours = reading.phase !== 'waiting';
          // A tracker that never sees our task (an old fork without force_task_id): count from now on.
          if (ours || (state === 'unknown' && info.tracker && now - sentAt > readTimeoutMs))
            runningSince ??= now;
          const percent = reading.fraction === null ? 0 : Math.round(reading.fraction * 1000) / 10;
          const etaSeconds =
            reading.phase === 'rendering' && reading.fraction !== null
              ? eta.feed(reading.fraction, now)
              : null;
          onProgress({ percent, etaSeconds, phase: reading.phase });
          wait = interval.next(`${reading.phase}:${percent}`);
        }
      }
      if (runningSince !== null && now - runningSince >= readTimeoutMs) {
        // Our job ran too long. Interrupt it only when it is known to be ours, then wait for its answer.
        const mayInterrupt = !shared && (info.tracker ? state === 'active' : true);
        if (mayInterrupt) {
          await this.interruptBriefly();
          interrupted = true;
        }
        giveUpAt = now + (mayInterrupt ? Math.min(readTimeoutMs, INTERRUPT_GRACE_MAX_MS) : readTimeoutMs);
        this.logger.warn(
          `Job ${taskId} ran longer than ${seconds(readTimeoutMs)} s; ${mayInterrupt ? 'interrupted it' : 'not interrupting (shared server or not known to be ours)'}`,
        );
      }
    }
    const done = outcome as { ok: true; data: unknown } | { ok: false; error: unknown };
    if (!done.ok) throw done.error;
    // An interrupted job answers 200 with a half-denoised image: not one to keep.
    if (interrupted) throw this.timeoutFailure(true);
    return done.data;
  }

  private timeoutFailure(interrupted: boolean): SdFailure {
    return new SdFailure(
      'timeout',
      `Stable Diffusion did not finish within ${seconds(this.server.readTimeoutMs)} s of starting our job (read timeout${interrupted ? '; interrupted' : ''})`,
    );
  }

  /** Where our request stands, from the tracker when there is one, else from the server's own state. */
  private async readProgress(
    taskId: string,
    info: ServerInfo,
  ): Promise<{ state: TaskProgress['state']; phase: RenderPhase; fraction: number | null }> {
    if (info.tracker) {
      const task = await this.taskProgress(taskId);
      const phase: RenderPhase =
        task.state === 'active'
          ? task.fraction
            ? 'rendering'
            : 'starting'
          : task.state === 'completed'
            ? 'rendering'
            : 'waiting';
      return { state: task.state, phase, fraction: task.fraction };
    }
    // A server the host did not declare shared: what runs on it is ours.
    const server = parseServerProgress(await this.call('get', PROGRESS_PATH, undefined, this.shortCall()));
    if (!server.busy) return { state: 'unknown', phase: 'waiting', fraction: null };
    return {
      state: 'active',
      phase: server.fraction === null ? 'starting' : 'rendering',
      fraction: server.fraction,
    };
  }

  private async taskProgress(taskId: string): Promise<TaskProgress> {
    // live_preview false: the tracker then skips the preview decode that /sdapi/v1/progress always does.
    const data = await this.call(
      'post',
      '/internal/progress',
      { id_task: taskId, id_live_preview: -1, live_preview: false },
      this.shortCall(),
    );
    return parseTaskProgress(data);
  }

  /**
   * Leaves a request we no longer wait for on the server (its connection stays open, so its answer still tells
   * us when it is gone). With `interruptWhenOurs` it is interrupted once it is known to run (a cancelled job
   * still waiting for the lock), so the server wastes at most a step on it.
   */
  private leave(request: Lingering, info: ServerInfo, interruptWhenOurs: boolean): void {
    const { taskId, isDone } = request;
    const done = (async () => {
      let interrupted = false;
      while (!isDone() && !this.closed) {
        await Promise.race([request.done, sleep(this.server.progressIntervalMs * 2)]);
        if (isDone() || interrupted || !interruptWhenOurs || this.server.shared) continue;
        const reading = await this.readProgress(taskId, info).catch(() => null);
        if (reading && reading.state === 'active') {
          await this.interruptBriefly();
          interrupted = true;
        }
      }
    })();
    const lingering: Lingering = { ...request, done };
    this.lingering = lingering;
    void done.finally(() => {
      if (this.lingering === lingering) this.lingering = null;
    });
  }

  /**
   * Waits until no earlier request of ours is left on the server. Time it spends waiting for the lock behind
   * others does not count; if it runs on (stuck, not stopping when interrupted) for longer than the read
   * timeout, this attempt fails rather than queue a second copy behind it.
   */
  private async waitForLingering(
    info: ServerInfo,
    signal: AbortSignal,
    onProgress: (progress: SdProgress) => void,
  ): Promise<void> {
    let since = Date.now();
    while (this.lingering && !this.lingering.isDone()) {
      onProgress({ percent: 0, etaSeconds: null, phase: 'waiting' });
      const lingering = this.lingering;
      await Promise.race([lingering.done, sleep(this.server.progressIntervalMs * 2, signal)]);
      if (signal.aborted) throw new SdFailure('cancelled', 'The job was cancelled');
      if (lingering.isDone()) continue;
      const reading = await this.readProgress(lingering.taskId, info).catch(() => null);
      if (reading?.state === 'queued') since = Date.now();
      if (reading && (reading.state === 'unknown' || reading.state === 'completed')) {
        // The server has no such job (an idle server holds no queue: nothing waits for a free lock), so the
        // request is lost on the way (a proxy, a dead connection): nothing of ours will render twice.
        lingering.drop();
        await lingering.done;
        continue;
      }
      if (Date.now() - since > this.server.readTimeoutMs) {
        throw new SdFailure(
          'timeout',
          'Stable Diffusion is still busy with an earlier request of ours that did not stop; not sending another',
        );
      }
    }
  }

  private async interruptBriefly(): Promise<void> {
    const sent = this.call('post', '/sdapi/v1/interrupt', {}, this.shortCall()).catch((error: unknown) => {
      this.logger.warn(`Could not interrupt Stable Diffusion: ${(error as Error).message}`);
    });
    await Promise.race([sent, sleep(STOP_WAIT_MS)]);
  }

  private checkResult(choices: A1111Choices, rendered: RenderedImage): void {
    const used = rendered.info['sampler_name'];
    if (typeof used === 'string' && used !== '' && used !== choices.sampler) {
      this.noteOnce(`Stable Diffusion used sampler "${used}" instead of "${choices.sampler}"`);
    }
    if (!choices.checkpoint) return;
    const mismatch = modelMismatch(choices.checkpoint, rendered.info);
    if (!mismatch) return;
    if (this.server.modelMismatch === 'fail') throw new SdFailure('rejected', mismatch);
    this.logger.warn(mismatch);
    rendered.info['vernissage_warning'] = mismatch;
  }

  private async resolveChoices(job: RenderJob, info: ServerInfo): Promise<A1111Choices> {
    let choices: A1111Choices;
    try {
      choices = resolveA1111Choices(job.settings, await this.loadCatalog(false), info.flavour);
    } catch (error) {
      if (!(error instanceof SdFailure) || error.kind !== 'rejected') throw error;
      // The lists may be older than a model the host just added: ask once more before failing the job.
      choices = resolveA1111Choices(job.settings, await this.loadCatalog(true), info.flavour);
    }
    for (const note of choices.notes) this.noteOnce(note);
    return choices;
  }

  private async loadCatalog(fresh: boolean): Promise<A1111Catalog> {
    const cached = this.catalogCache;
    if (cached && !fresh && Date.now() - cached.at < CATALOG_TTL_MS) return cached.catalog;
    const [samplers, schedulers, models] = await Promise.all([
      this.call<unknown>('get', '/sdapi/v1/samplers', undefined, this.shortCall()),
      // A1111 ≤ 1.8 and SD.Next have no scheduler list (404): the scheduler is then not ours to set.
      this.call<unknown>('get', '/sdapi/v1/schedulers', undefined, this.shortCall(), true).catch(
        (error: unknown) => {
          if (error instanceof SdFailure && error.httpStatus === 404) return null;
          throw error;
        },
      ),
      this.call<unknown>('get', '/sdapi/v1/sd-models', undefined, this.shortCall()),
    ]);
    const catalog = parseA1111Catalog(samplers, schedulers, models);
    this.catalogCache = { at: Date.now(), catalog };
    return catalog;
  }

  private serverInfo(): Promise<ServerInfo> {
    if (this.info) return Promise.resolve(this.info);
    this.detecting ??= this.detect().finally(() => (this.detecting = null));
    return this.detecting;
  }

  private async detect(): Promise<ServerInfo> {
    const flavour = this.server.flavour === 'auto' ? await this.detectFlavour() : this.server.flavour;
    const tracker = flavour !== 'sdnext' && (await this.hasTaskTracker());
    const info = { flavour, tracker };
    this.info = info;
    this.logger.log(
      `${this.description}: ${tracker ? "our jobs are followed by their task id (web UI's tracker)" : 'no task tracker (API-only mode or SD.Next): the server is taken as ours unless SD_SHARED is on'}`,
    );
    return info;
  }

  /** SD.Next answers /sdapi/v1/version with app "sd.next"; Forge has its own settings in /options. */
  private async detectFlavour(): Promise<A1111Flavour> {
    try {
      const version = await this.call<unknown>('get', '/sdapi/v1/version', undefined, this.shortCall(), true);
      if (isRecord(version) && version['app'] === 'sd.next') return 'sdnext';
    } catch (error) {
      if (!(error instanceof SdFailure) || error.httpStatus !== 404) throw error;
    }
    try {
      const options = await this.call<unknown>('get', '/sdapi/v1/options', undefined, this.shortCall());
      return isRecord(options) && 'forge_preset' in options ? 'forge' : 'a1111';
    } catch (error) {
      // /options is known to 500 on some A1111 configurations (#11805); that is not Forge.
      if (error instanceof SdFailure && error.kind === 'server') return 'a1111';
      throw error;
    }
  }

  private async hasTaskTracker(): Promise<boolean> {
    try {
      const data = await this.call<unknown>(
        'post',
        '/internal/progress',
        { id_task: 'vernissage-probe', id_live_preview: -1, live_preview: false },
        this.shortCall(),
      );
      return isRecord(data) && typeof data['active'] === 'boolean';
    } catch {
      return false;
    }
  }

  private noteOnce(note: string): void {
    if (this.notesLogged.has(note)) return;
    this.notesLogged.add(note);
    this.logger.warn(note);
  }

  private agents(): AxiosRequestConfig {
    return { httpAgent: this.agent, httpsAgent: this.agent };
  }

  private shortCall(): AxiosRequestConfig {
    return { ...this.agents(), timeout: this.shortCallTimeoutMs };
  }

  private async call<T>(
    method: 'get' | 'post',
    path: string,
    body: unknown,
    options: AxiosRequestConfig,
    /** A route some flavours lack: its 404 says nothing about the server's set-up. */
    optionalRoute = false,
  ): Promise<T> {
    for (let retries = 0; ; retries++) {
      try {
        const response =
          method === 'get'
            ? await firstValueFrom(this.http.get<T>(path, options))
            : await firstValueFrom(this.http.post<T>(path, body, options));
        return response.data;
      } catch (error) {
        // The server closed this kept-alive socket while it was idle and never saw the request: send it again.
        if (retries < 2 && isReusedSocketReset(error) && !this.closed) continue;
        const failure = toSdFailure(error, {
          sdUrl: this.server.url,
          readTimeoutMs: Number(options.timeout ?? 0),
        });
        if (optionalRoute && failure.httpStatus === 404) throw failure;
        if (failure.kind === 'unreachable' || failure.kind === 'setup') {
          // It may come back with other flags, or be another server: learn it again.
          this.info = null;
          this.catalogCache = null;
        }
        throw failure;
      }
    }
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** axios defaults for one A1111 server (per-request options add agents and timeouts). */
export function a1111HttpConfig(server: SdServerConfig): AxiosRequestConfig {
  return {
    ...sdHttpDefaults(server),
    // A1111 gzips answers at level 9 when asked: seconds of CPU per hundred images to save a quarter of the base64
    // on what is normally a LAN link. Ask for the bytes as they are.
    headers: { 'Content-Type': 'application/json', 'Accept-Encoding': 'identity' },
  };
}
