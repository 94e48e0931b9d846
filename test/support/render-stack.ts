import { parseRendererConfig } from '../../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../../apps/renderer/src/setup.js';
import { startFakeA1111, type FakeA1111, type FakeA1111Options } from '../fakes/fake-a1111/fake-a1111.js';
import {
  startFakeComfyUi,
  type FakeComfyOptions,
  type FakeComfyUi,
} from '../fakes/fake-comfyui/fake-comfyui.js';
import { startGateway, type TestGateway } from '../gateway/harness.js';
import { freePort } from '../pipeline/processes.js';

export interface RenderStack {
  sd: FakeA1111;
  renderer: StartedRenderer;
  gateway: TestGateway;
  /** Stops all three, gateway first (it holds the link), then the renderer, then SD. */
  close: () => Promise<void>;
}

/**
 * The whole pipeline in this process: the fake AUTOMATIC1111, the real renderer on an ephemeral TCP port and
 * the real gateway linked to it by a shared token, each on 127.0.0.1.
 */
export async function startRenderStack(
  dir: string,
  options: {
    sd?: FakeA1111Options;
    gatewayEnv?: Record<string, string>;
    rendererEnv?: Record<string, string>;
  } = {},
): Promise<RenderStack> {
  const token = 'render-stack-token-0123456789abcdef';
  const sd = await startFakeA1111(options.sd);
  const port = await freePort();
  const renderer = await createRenderer(
    parseRendererConfig({
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(port),
      RENDERER_TOKEN: token,
      SD_URL: sd.url,
      ...options.rendererEnv,
    }),
    { logger: false },
  );
  const gateway = await startGateway(dir, {
    ...options.gatewayEnv,
    RENDERER_PORT: String(port),
    RENDERER_TOKEN: token,
  });
  return {
    sd,
    renderer,
    gateway,
    close: async () => {
      await gateway.close();
      await renderer.close();
      await sd.close();
    },
  };
}

export interface ComfyStack {
  comfy: FakeComfyUi;
  renderer: StartedRenderer;
  gateway: TestGateway;
  close: () => Promise<void>;
}

/** The same pipeline with the fake ComfyUI behind the renderer (SD_BACKEND=comfyui). */
export async function startComfyStack(
  dir: string,
  options: { comfy?: FakeComfyOptions; rendererEnv?: Record<string, string> } = {},
): Promise<ComfyStack> {
  const token = 'comfy-stack-token-0123456789abcdef';
  const comfy = await startFakeComfyUi(options.comfy);
  const port = await freePort();
  const renderer = await createRenderer(
    parseRendererConfig({
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(port),
      RENDERER_TOKEN: token,
      SD_BACKEND: 'comfyui',
      SD_URL: comfy.url,
      SD_CONNECT_TIMEOUT_MS: '500',
      RENDER_RETRY_BASE_MS: '20',
      RENDER_PROGRESS_INTERVAL_MS: '50',
      ...options.rendererEnv,
    }),
    { logger: process.env['RENDERER_TEST_LOGS'] ? undefined : false },
  );
  const gateway = await startGateway(dir, { RENDERER_PORT: String(port), RENDERER_TOKEN: token });
  return {
    comfy,
    renderer,
    gateway,
    close: async () => {
      await gateway.close();
      await renderer.close();
      await comfy.close();
    },
  };
}

export interface GpuStack {
  /** The fake SD servers, renderer by renderer, in SD_URL order. */
  sds: FakeA1111[][];
  renderers: StartedRenderer[];
  gateway: TestGateway;
  /** `RENDERERS` as the gateway was given it. */
  renderersSetting: string;
  close: () => Promise<void>;
}

/**
 * Several renderers, each with its own fake AUTOMATIC1111 servers (one worker each), and one gateway feeding
 * them all (RENDERERS), on 127.0.0.1. `renderers` gives each fake's fixed time per image, renderer by
 * renderer: [[200, 200], [100]] is two renderers, the first with two servers at 200 ms, the second with one
 * at 100 ms.
 */
export async function startGpuStack(
  dir: string,
  renderers: number[][],
  options: { gatewayEnv?: Record<string, string>; rendererEnv?: Record<string, string> } = {},
): Promise<GpuStack> {
  const token = 'gpu-stack-token-0123456789abcdef';
  const sds: FakeA1111[][] = [];
  const started: StartedRenderer[] = [];
  for (const delays of renderers) {
    const servers = await Promise.all(delays.map((fixedDelayMs) => startFakeA1111({ fixedDelayMs })));
    sds.push(servers);
    started.push(
      await createRenderer(
        parseRendererConfig({
          RENDERER_HOST: '127.0.0.1',
          RENDERER_PORT: String(await freePort()),
          RENDERER_TOKEN: token,
          SD_URL: servers.map((server) => server.url).join(','),
          SD_CONNECT_TIMEOUT_MS: '500',
          RENDER_RETRY_BASE_MS: '50',
          ...options.rendererEnv,
        }),
        { logger: process.env['RENDERER_TEST_LOGS'] ? undefined : false },
      ),
    );
  }
  const renderersSetting = started.map((renderer) => `127.0.0.1:${renderer.port}`).join(',');
  const gateway = await startGateway(dir, {
    RENDERERS: renderersSetting,
    RENDERER_TOKEN: token,
    MAX_PENDING_PER_GUEST: '1000',
    SUBMISSIONS_PER_MINUTE: '10000',
    ...options.gatewayEnv,
  });
  return {
    sds,
    renderers: started,
    gateway,
    renderersSetting,
    close: async () => {
      await gateway.close();
      await Promise.all(started.map((renderer) => renderer.close()));
      await Promise.all(sds.flat().map((sd) => sd.close()));
    },
  };
}
