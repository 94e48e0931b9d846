import { PNG } from 'pngjs';
import { DEFAULT_GENERATION_SETTINGS } from '#contracts';
import { describe, expect, it } from 'vitest';
import { wrapWords } from './placeholder-image.js';
import { PREVIEW_BACKEND_DESCRIPTION, PreviewBackend } from './preview.backend.js';

const job = {
  suggestionId: 3,
  prompt: 'A lighthouse in a storm, oil painting',
  width: 768,
  height: 512,
  settings: DEFAULT_GENERATION_SETTINGS,
  colourHex: '#191970',
};

describe('PreviewBackend', () => {
  it('draws a PNG of the job size in the author colour, with light text on a dark colour', async () => {
    const result = await new PreviewBackend().render(job);
    expect(result.mime).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(result.image, 'base64'));
    expect([png.width, png.height]).toEqual([768, 512]);
    expect([...png.data.subarray(0, 3)]).toEqual([0x19, 0x19, 0x70]);
    let white = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 255 && png.data[i + 1] === 255) white++;
    expect(white).toBeGreaterThan(500);
  });

  it('uses dark text on a light colour and compresses the flat image', async () => {
    const result = await new PreviewBackend().render({
      ...job,
      width: 512,
      height: 512,
      colourHex: '#ffd700',
    });
    const bytes = Buffer.from(result.image, 'base64');
    // A flat colour must compress far below the 786 kB of raw RGB (the run-length strategy would not).
    expect(bytes.length).toBeLessThan(40_000);
    const png = PNG.sync.read(bytes);
    let black = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 0 && png.data[i + 1] === 0) black++;
    expect(black).toBeGreaterThan(500);
  });

  it('says plainly what it is', async () => {
    const backend = new PreviewBackend();
    expect(backend.description).toBe('Stable Diffusion not connected: preview backend');
    expect(PREVIEW_BACKEND_DESCRIPTION).toBe(backend.description);
    const result = await backend.render(job);
    expect(result.info).toMatchObject({ backend: 'preview', prompt: job.prompt, width: 768, height: 512 });
    expect(result.seed).toBeNull();
  });
});

describe('wrapWords', () => {
  it('wraps greedily and marks text that does not fit', () => {
    expect(wrapWords('ONE TWO THREE FOUR', 9, 3)).toEqual(['ONE TWO', 'THREE', 'FOUR']);
    expect(wrapWords('ONE TWO THREE FOUR FIVE SIX', 9, 2)).toEqual(['ONE TWO', 'THREE...']);
    expect(wrapWords('SUPERCALIFRAGILISTIC', 5, 2)).toEqual(['SUPER']);
  });
});
