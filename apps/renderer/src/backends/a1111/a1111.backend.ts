import type http from 'node:http';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { RenderJob } from '#contracts';
import type { AxiosRequestConfig } from 'axios';
import { firstValueFrom } from 'rxjs';
import { RENDERER_CONFIG, type RendererConfig } from '../../config/renderer.config.js';
import type { RenderBackend, RenderedImage, SdProgress } from '../render-backend.js';
import { toSdFailure } from './a1111-errors.js';
import { buildA1111Request, parseA1111Progress, parseA1111Response } from './a1111-payload.js';
import { createConnectTimeoutAgent } from './connect-timeout-agent.js';

/** Cheap, lock-free and present in A1111, Forge and SD.Next alike: the probe for "is SD there?". */
const PROGRESS_PATH = '/sdapi/v1/progress?skip_current_image=true';

/** AUTOMATIC1111's web UI API (also Forge and SD.Next, which keep it). */
@Injectable()
export class A1111Backend implements RenderBackend, OnModuleDestroy {
  readonly name = 'a1111' as const;
  readonly description: string;
  readonly reportsProgress = true;

  private readonly logger = new Logger('A1111Backend');
  private readonly sdUrl: string;
  /**
   * One keep-alive pool for everything: a new connection per job costs about as much as our whole per-job overhead
   * otherwise. Idle connections are dropped after 15 s, before uvicorn's 30 s keep-alive ends, so a reused one is
   * not one the server is closing.
   */
  private readonly agent: http.Agent;
  /** Short calls should be quick; a server that takes longer is as good as absent for them. */
  private readonly shortCallTimeoutMs: number;
  private readonly warnedSamplers = new Set<string>();

  constructor(
    private readonly http: HttpService,
    @Inject(RENDERER_CONFIG) private readonly config: RendererConfig,
  ) {
    this.sdUrl = config.sdUrl ?? '';
    const secure = this.sdUrl.startsWith('https:');
    this.agent = createConnectTimeoutAgent(secure, config.sdConnectTimeoutMs, {
      keepAlive: true,
      timeout: 15_000,
    });
    this.shortCallTimeoutMs = config.sdConnectTimeoutMs + 5_000;
    this.description = `AUTOMATIC1111 API at ${this.sdUrl}${config.sdAuth ? ' (HTTP Basic auth)' : ''}`;
  }

  async render(job: RenderJob, signal: AbortSignal): Promise<RenderedImage> {
    const { path, body } = buildA1111Request(job);
    const data = await this.call<unknown>('post', path, body, {
      signal,
      timeout: this.config.sdReadTimeoutMs,
      httpAgent: this.agent,
      httpsAgent: this.agent,
    });
    const rendered = parseA1111Response(data);
    this.warnOnSamplerFallback(job.settings.sampler, rendered.info['sampler_name']);
    return rendered;
  }

  async progress(): Promise<SdProgress | null> {
    return parseA1111Progress(await this.call<unknown>('get', PROGRESS_PATH, undefined, this.shortCall()));
  }

  async interrupt(): Promise<void> {
    await this.call('post', '/sdapi/v1/interrupt', {}, this.shortCall());
  }

  async health(): Promise<void> {
    await this.call('get', PROGRESS_PATH, undefined, this.shortCall());
  }

  async catalog(): Promise<{ models: string[]; samplers: string[] }> {
    const [models, samplers] = await Promise.all([
      this.call<unknown>('get', '/sdapi/v1/sd-models', undefined, this.shortCall()),
      this.call<unknown>('get', '/sdapi/v1/samplers', undefined, this.shortCall()),
    ]);
    return { models: namesOf(models, 'title'), samplers: namesOf(samplers, 'name') };
  }

  onModuleDestroy(): void {
    this.agent.destroy();
  }

  private shortCall(): AxiosRequestConfig {
    return { timeout: this.shortCallTimeoutMs, httpAgent: this.agent, httpsAgent: this.agent };
  }

  private async call<T>(
    method: 'get' | 'post',
    path: string,
    body: unknown,
    options: AxiosRequestConfig,
  ): Promise<T> {
    try {
      const response =
        method === 'get'
          ? await firstValueFrom(this.http.get<T>(path, options))
          : await firstValueFrom(this.http.post<T>(path, body, options));
      return response.data;
    } catch (error) {
      throw toSdFailure(error, { sdUrl: this.sdUrl, readTimeoutMs: Number(options.timeout ?? 0) });
    }
  }

  /** A1111 ≥ 1.9 silently replaces an unknown sampler by its default; say so once, since the admin chose it. */
  private warnOnSamplerFallback(requested: string, used: unknown): void {
    if (typeof used !== 'string' || used === '' || requested === used || requested.startsWith(`${used} `))
      return;
    if (this.warnedSamplers.has(requested)) return;
    this.warnedSamplers.add(requested);
    this.logger.warn(
      `Stable Diffusion used sampler "${used}" instead of "${requested}" (unknown to this server?)`,
    );
  }
}

/** Picks one string field from each entry of a list A1111 returned, ignoring anything malformed. */
function namesOf(list: unknown, field: 'title' | 'name'): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) =>
      entry && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined,
    )
    .filter((value): value is string => typeof value === 'string' && value.length > 0 && value.length <= 500)
    .slice(0, 500);
}

/** axios defaults for the A1111 HttpService (per-request options add agents and timeouts). */
export function a1111HttpConfig(config: RendererConfig): AxiosRequestConfig {
  return {
    baseURL: config.sdUrl ?? undefined,
    ...(config.sdAuth ? { auth: config.sdAuth } : {}),
    // SD normally sits on the LAN; an HTTP(S)_PROXY meant for the internet would cut long requests (see the A1111
    // notes on proxies and 60 s timeouts).
    proxy: false,
    // init images for img2img can be large; the frame limit already bounds what reaches us.
    maxBodyLength: config.maxFrameBytes,
    maxContentLength: config.maxFrameBytes,
    // A1111 gzips answers at level 9 when asked: seconds of CPU per hundred images to save a quarter of the base64
    // on what is normally a LAN link. Ask for the bytes as they are.
    headers: { 'Content-Type': 'application/json', 'Accept-Encoding': 'identity' },
  };
}
