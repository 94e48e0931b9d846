import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng, fakeJpeg, fakeWebp, sniffImage } from './png.js';
import { pngChunks } from './testkit.js';

function top(seed: number, partial: boolean): number[] {
  return [
    ...PNG.sync.read(encodePng({ width: 8, height: 8, seed, partial, infotext: null })).data.subarray(0, 3),
  ];
}

describe('sample images', () => {
  it('writes Latin-1 infotexts as tEXt and others as iTXt, as PIL does', () => {
    const latin = encodePng({ width: 16, height: 8, seed: 1, partial: false, infotext: 'café\nSteps: 1' });
    expect(pngChunks(latin).types).toContain('tEXt');
    expect(pngChunks(latin).text['parameters']).toBe('café\nSteps: 1');
    const emoji = encodePng({ width: 16, height: 8, seed: 1, partial: false, infotext: '🎨\nSteps: 1' });
    expect(pngChunks(emoji).types).toContain('iTXt');
    expect(pngChunks(emoji).text['parameters']).toBe('🎨\nSteps: 1');
    // CRCs must be right, or a strict decoder refuses the file.
    expect(PNG.sync.read(emoji).width).toBe(16);
  });

  it('varies the colour with the seed and greys out partial images', () => {
    expect(top(1, false)).not.toEqual(top(2, false));
    expect(top(1, true)).toEqual([128, 128, 128]);
  });

  it('gives fake JPEG and WEBP files the magic bytes a sniffer expects', () => {
    expect(sniffImage(fakeJpeg(640, 480))).toBe('jpeg');
    expect(fakeJpeg(640, 480).readUInt16BE(2 + 18 + 5)).toBe(480);
    const webp = fakeWebp(640, 480);
    expect(sniffImage(webp)).toBe('webp');
    expect(webp.readUInt32LE(4)).toBe(webp.length - 8);
  });
});
