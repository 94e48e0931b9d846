import { parseRendererConfig } from '../../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../../apps/renderer/src/setup.js';
import { startFakeA1111, type FakeA1111, type FakeA1111Options } from '../fakes/fake-a1111/fake-a1111.js';
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
  options: { sd?: FakeA1111Options; gatewayEnv?: Record<string, string> } = {},
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
