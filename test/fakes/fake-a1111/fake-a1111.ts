import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dispatch, type ApiContext } from './api-routes.js';
import { findCheckpoint } from './catalog.js';
import { handleControl } from './control.js';
import { ApiError } from './errors.js';
import type { GenerationConfig } from './generate.js';
import { readBody, sendJson, sendThenReset } from './http-io.js';
import { QueueLock, ServerClosedError } from './lock.js';
import { OptionsStore } from './options.js';
import { initImageLengths, parseBody, recordedBody } from './request-body.js';
import { SharedState } from './state.js';
import { StatsTracker } from './stats.js';
import { TaskTracker } from './tasks.js';
import { FORGE_OPTIONS } from './catalog.js';
import type { FakeA1111, FakeA1111Options, FakeMode, FakeStats, RecordedRequest } from './types.js';

export * from './types.js';

/**
 * A fake AUTOMATIC1111 web UI API (v1.10, `--nowebui`) on plain node:http, written from
 * /work/shared/reference/a1111-api.md: blocking generations behind one global lock, live /progress,
 * interrupt, pydantic-style validation and A1111's error bodies, plus failure modes for the renderer's
 * retry logic and delays for benchmarks.
 */
export async function startFakeA1111(opts: FakeA1111Options = {}): Promise<FakeA1111> {
  const fake = new FakeA1111Server(opts);
  await fake.start(opts.port ?? 0, opts.mode ?? 'normal');
  return fake;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/;

const DEFAULT_OOM_PIXELS = 4096 * 4096;

class FakeA1111Server implements FakeA1111 {
  url = '';
  port = 0;
  readonly requests: RecordedRequest[] = [];
  private currentMode: FakeMode = 'normal';
  private failuresLeft: number | undefined;
  private delays: { stepDelayMs: number; fixedDelayMs: number | undefined; modelLoadMs: number };
  private revertTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly host: string;
  private readonly server: Server;
  private readonly abort = new AbortController();
  private readonly lock = new QueueLock();
  private readonly state = new SharedState();
  private readonly statsTracker = new StatsTracker();
  private readonly ctx: ApiContext;
  private readonly servedOn = new WeakMap<object, number>();

  constructor(private readonly opts: FakeA1111Options) {
    this.host = opts.host ?? '127.0.0.1';
    if (!LOOPBACK.test(this.host)) {
      throw new Error(`fake A1111 only binds a loopback address, not ${this.host}`);
    }
    this.failuresLeft = opts.failTimes;
    this.delays = {
      stepDelayMs: opts.stepDelayMs ?? 0,
      fixedDelayMs: opts.fixedDelayMs,
      modelLoadMs: opts.modelLoadMs ?? 0,
    };
    this.server = createServer((req, res) => void this.handle(req, res));
    // Gradio's uvicorn (webui.sh --api) keeps idle connections 5 s; --nowebui's own uvicorn 30 s.
    this.server.keepAliveTimeout = opts.keepAliveMs ?? (opts.uiMode ? 5_000 : 30_000);
    this.ctx = {
      lock: this.lock,
      state: this.state,
      stats: this.statsTracker,
      options: new OptionsStore(opts.samplesFormat ?? 'png', opts.flavour === 'forge' ? FORGE_OPTIONS : {}),
      tasks: new TaskTracker(),
      flavour: opts.flavour ?? 'a1111',
      auth: opts.auth,
      uiMode: opts.uiMode ?? false,
      signal: this.abort.signal,
      generationConfig: () => this.generationConfig(),
      takeFailure: (modes) => this.takeFailure(modes),
      switchModel: (name) => this.switchModel(name),
    };
  }

  get mode(): FakeMode {
    return this.currentMode;
  }

  async start(port: number, mode: FakeMode): Promise<void> {
    await this.listen(port);
    const address = this.server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    if (mode !== 'normal') await this.setMode(mode, { failTimes: this.opts.failTimes });
  }

  async setMode(mode: FakeMode, opts: { failTimes?: number; forMs?: number } = {}): Promise<void> {
    if (this.closed) throw new Error('fake A1111 is closed');
    clearTimeout(this.revertTimer);
    this.currentMode = mode;
    this.failuresLeft = opts.failTimes;
    if (mode === 'refuse') await this.stopListening();
    else if (!this.server.listening) await this.listen(this.port);
    if (opts.forMs !== undefined) {
      this.revertTimer = setTimeout(() => void this.setMode('normal').catch(() => undefined), opts.forMs);
    }
  }

  setDelays(opts: { stepDelayMs?: number; fixedDelayMs?: number | null; modelLoadMs?: number }): void {
    if (opts.stepDelayMs !== undefined) this.delays.stepDelayMs = opts.stepDelayMs;
    if (opts.modelLoadMs !== undefined) this.delays.modelLoadMs = opts.modelLoadMs;
    // An explicit undefined or null clears the fixed duration; leaving the key out keeps it.
    if (Object.hasOwn(opts, 'fixedDelayMs')) this.delays.fixedDelayMs = opts.fixedDelayMs ?? undefined;
  }

  setAuth(auth: { username: string; password: string } | undefined): void {
    this.ctx.auth = auth;
  }

  stats(): FakeStats {
    return this.statsTracker.snapshot(this.lock.waiting);
  }

  reset(): void {
    this.requests.length = 0;
    this.statsTracker.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.revertTimer);
    this.abort.abort();
    this.lock.refuseWaiters();
    await this.stopListening();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting and drops every open connection, hung requests included, as a dead process would. */
  private stopListening(): Promise<void> {
    if (!this.server.listening) {
      this.server.closeAllConnections();
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  private generationConfig(): GenerationConfig {
    return {
      ...this.delays,
      oomPixels: this.opts.oomPixels ?? DEFAULT_OOM_PIXELS,
      legacySamplerNotFound: this.opts.legacySamplerNotFound ?? false,
      flavour: this.opts.flavour ?? 'a1111',
    };
  }

  private takeFailure(modes: readonly FakeMode[]): FakeMode | null {
    if (!modes.includes(this.currentMode)) return null;
    if (this.failuresLeft !== undefined) {
      if (this.failuresLeft <= 0) return null;
      this.failuresLeft -= 1;
    }
    return this.currentMode;
  }

  private async switchModel(name: string): Promise<void> {
    const checkpoint = findCheckpoint(name);
    if (!checkpoint) return;
    const options = this.ctx.options;
    options.data['sd_model_checkpoint'] = checkpoint.title;
    if (options.loadedTitle === checkpoint.title) return;
    const release = await this.lock.acquire();
    this.statsTracker.lockTaken('model-switch');
    try {
      if (this.delays.modelLoadMs > 0) {
        await sleep(this.delays.modelLoadMs, undefined, { signal: this.abort.signal });
      }
      options.loadedTitle = checkpoint.title;
    } finally {
      this.statsTracker.lockReleased('ok');
      release();
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const served = this.servedOn.get(req.socket) ?? 0;
    this.servedOn.set(req.socket, served + 1);
    // The server closed this kept-alive socket as the request arrived: the client sees a reset, nothing ran.
    if (served > 0 && !req.url?.startsWith('/fake/') && this.takeFailure(['reset-reused'])) {
      this.statsTracker.idleReset();
      req.socket.resetAndDestroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    if (this.opts.controlRoutes && url.pathname.startsWith('/fake/')) {
      await handleControl(this, req, res, url, raw).catch((error: unknown) =>
        sendJson(req, res, 500, { error: String(error) }, { startedAt, gzip: false }),
      );
      return;
    }
    const parsed = parseBody(req, raw);
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      body: recordedBody(parsed),
      at: Date.now(),
      authorization: req.headers.authorization,
      initImageLengths: initImageLengths(parsed),
      bodyBytes: raw.length,
    });
    const send = { startedAt, gzip: this.opts.gzip ?? true };
    // Started without --api: the web UI answers, the /sdapi routes do not exist.
    if (this.currentMode === 'api-off' && url.pathname.startsWith('/sdapi/')) {
      sendJson(req, res, 404, { detail: 'Not Found' }, send);
      return;
    }
    try {
      const result = await dispatch(this.ctx, req, url, parsed);
      if (result.kind === 'json') sendJson(req, res, 200, result.payload, send);
      else if (result.kind === 'reset') sendThenReset(res, result.payload, startedAt);
      // 'hang': never answer; stopListening() destroys the socket on close or refuse.
    } catch (error) {
      if (error instanceof ApiError) {
        sendJson(req, res, error.status, error.body, { ...send, headers: error.headers });
      } else if (this.closed || error instanceof ServerClosedError) {
        res.destroy();
      } else {
        const e = error instanceof Error ? error : new Error(String(error));
        sendJson(req, res, 500, { error: e.name, detail: '', body: '', errors: e.message }, send);
      }
    }
  }
}
