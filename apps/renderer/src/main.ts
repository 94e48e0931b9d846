import { readRendererConfigFromEnvironment } from './config/environment.js';
import { RendererConfigError, type RendererConfig } from './config/renderer.config.js';
import { createRenderer } from './setup.js';

let config: RendererConfig;
try {
  config = readRendererConfigFromEnvironment();
} catch (error) {
  if (!(error instanceof RendererConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const renderer = await createRenderer(config);
renderer.app.enableShutdownHooks();
