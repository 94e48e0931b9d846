import type { RenderJob } from '#contracts';
import type { RenderBackend, RenderedImage, SdCatalog } from '../render-backend.js';
import { drawPlaceholderPng } from './placeholder-image.js';

export const PREVIEW_BACKEND_DESCRIPTION = 'Stable Diffusion not connected: preview backend';

/**
 * Draws a labelled placeholder locally, so the whole party flow works on a laptop without a GPU. It never
 * pretends to be Stable Diffusion: the image says PREVIEW and the info says what it is.
 */
export class PreviewBackend implements RenderBackend {
  readonly name = 'preview' as const;
  readonly description = PREVIEW_BACKEND_DESCRIPTION;

  async render(job: RenderJob): Promise<RenderedImage> {
    const png = drawPlaceholderPng({
      width: job.width,
      height: job.height,
      colourHex: job.colourHex,
      title: 'PREVIEW',
      text: job.prompt,
      footer: 'Stable Diffusion not connected',
    });
    return {
      image: png.toString('base64'),
      mime: 'image/png',
      seed: null,
      info: {
        backend: 'preview',
        description: `Placeholder drawn by the renderer because Stable Diffusion is not connected (SD_URL unset)`,
        prompt: job.prompt,
        width: job.width,
        height: job.height,
        colourHex: job.colourHex,
        mode: job.initImage === undefined ? 'txt2img' : 'img2img',
      },
    };
  }

  async health(): Promise<void> {}

  async catalog(): Promise<SdCatalog> {
    return { models: [], samplers: [], schedulers: [] };
  }
}
