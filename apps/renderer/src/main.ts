import { createServer } from 'node:net';
import { readRendererConfigFromEnvironment } from './config/environment.js';
import { RendererConfigError, type RendererConfig } from './config/renderer.config.js';
import { createRenderer } from './setup.js';

/** sysexits' EX_CONFIG: trying again will not help, so scripts/start-all.ts does not restart on it. */
const EXIT_CANNOT_START = 78;

let config: RendererConfig;
try {
  config = readRendererConfigFromEnvironment();
} catch (error) {
  if (!(error instanceof RendererConfigError)) throw error;
  console.error(error.message);
  process.exit(EXIT_CANNOT_START);
}
// Checked before the app is built, so a second start says so in one line instead of a stack trace.
const problem = await new Promise<string | null>((resolve) => {
  const probe = createServer();
  probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  probe.listen({ port: config.port, host: config.host, exclusive: true }, () =>
    probe.close(() => resolve(null)),
  );
});
if (problem) {
  const where = `${config.host}:${config.port}`;
  console.error(
    problem === 'EADDRINUSE'
      ? `Cannot start the renderer: ${where} (RENDERER_PORT) is already in use. Is it already running? Stop it, or set another RENDERER_PORT.`
      : `Cannot start the renderer: cannot listen on ${where} (${problem}). Check RENDERER_HOST and RENDERER_PORT.`,
  );
  process.exit(EXIT_CANNOT_START);
}
const renderer = await createRenderer(config);
renderer.app.enableShutdownHooks();
