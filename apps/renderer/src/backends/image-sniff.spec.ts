import { describe, expect, it } from 'vitest';
import { sniffBase64ImageMime, sniffImageMime } from './image-sniff.js';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);

describe('sniffImageMime', () => {
  it('recognises PNG, JPEG and WEBP by their magic bytes', () => {
    expect(sniffImageMime(png)).toBe('image/png');
    expect(sniffImageMime(jpeg)).toBe('image/jpeg');
    expect(sniffImageMime(webp)).toBe('image/webp');
  });

  it('refuses anything else', () => {
    expect(sniffImageMime(Buffer.from('GIF89a......'))).toBeNull();
    expect(sniffImageMime(Buffer.from('<html><body>'))).toBeNull();
    expect(sniffImageMime(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull();
    expect(sniffImageMime(Buffer.alloc(0))).toBeNull();
  });

  it('works on base64 without decoding the whole image', () => {
    const big = Buffer.concat([png, Buffer.alloc(100_000)]).toString('base64');
    expect(sniffBase64ImageMime(big)).toBe('image/png');
    expect(sniffBase64ImageMime(jpeg.toString('base64'))).toBe('image/jpeg');
    expect(sniffBase64ImageMime('bm90IGFuIGltYWdl')).toBeNull();
  });
});
