import dotenv from 'dotenv';
import { parseRendererConfig, type RendererConfig } from './renderer.config.js';

/**
 * The one place that reads process.env. A `.env` file in the working directory is merged first; real environment
 * variables win over it. Only main.ts calls this: tests build their config explicitly.
 */
export function readRendererConfigFromEnvironment(): RendererConfig {
  dotenv.config({ quiet: true });
  return parseRendererConfig(process.env);
}
