import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

/**
 * Sample images: real, valid PNGs (a vertical gradient whose hue follows the seed, grey for a partial
 * image after an interrupt) carrying the infotext the way PIL writes it. Pixels are encoded once per
 * size and hue and cached; only the small text chunk changes per image, so even 2048² costs microseconds
 * after the first time, which keeps the fake out of the way in throughput benchmarks.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IHDR_END = PNG_SIGNATURE.length + 8 + 13 + 4;
const HUES = 12;
const CACHE_LIMIT = 64;

const pixelCache = new Map<string, Buffer>();

function hueToRgb(hueIndex: number): [number, number, number] {
  const h = (hueIndex / HUES) * 6;
  const x = Math.round(255 * (1 - Math.abs((h % 2) - 1)));
  const table: [number, number, number][] = [
    [255, x, 0],
    [x, 255, 0],
    [0, 255, x],
    [0, x, 255],
    [x, 0, 255],
    [255, 0, x],
  ];
  return table[Math.floor(h) % 6]!;
}

/** The colour at the top row of a sample: tests read it back to tell a partial image from a finished one. */
export function sampleTopColour(seed: number, partial: boolean): [number, number, number] {
  return partial ? [128, 128, 128] : hueToRgb(Math.abs(seed) % HUES);
}

function encodePixels(width: number, height: number, seed: number, partial: boolean): Buffer {
  const [r, g, b] = sampleTopColour(seed, partial);
  const key = `${width}x${height}:${r},${g},${b}`;
  const cached = pixelCache.get(key);
  if (cached) return cached;
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const rowBytes = width * 3;
  const data = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const fade = 1 - (0.75 * y) / Math.max(1, height - 1);
    const row = y * rowBytes;
    data[row] = Math.round(r * fade);
    data[row + 1] = Math.round(g * fade);
    data[row + 2] = Math.round(b * fade);
    // Doubling copies fill the row in log2(width) steps.
    for (let filled = 3; filled < rowBytes; filled *= 2) {
      data.copy(data, row + filled, row, row + Math.min(filled, rowBytes - filled));
    }
  }
  png.data = data;
  // Sub filtering turns each uniform row into zeros, so even a low deflate level compresses it to almost nothing.
  const encoded = PNG.sync.write(png, {
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
    deflateLevel: 1,
    filterType: 1,
  });
  if (pixelCache.size >= CACHE_LIMIT) pixelCache.delete(pixelCache.keys().next().value!);
  pixelCache.set(key, encoded);
  return encoded;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PIL's PngInfo.add_text: tEXt when the text is Latin-1, iTXt (UTF-8) otherwise. */
function textChunk(keyword: string, text: string): Buffer {
  const latin1 = [...text].every((ch) => ch.codePointAt(0)! <= 0xff);
  if (latin1) {
    return chunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]));
  }
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1'), Buffer.from(text, 'utf8')]),
  );
}

export interface SampleSpec {
  width: number;
  height: number;
  seed: number;
  /** A partially denoised image (interrupt or skip). */
  partial: boolean;
  /** Written as the `parameters` text; null writes no text (PIL's enable_pnginfo off). */
  infotext: string | null;
}

export function encodePng(spec: SampleSpec): Buffer {
  const pixels = encodePixels(spec.width, spec.height, spec.seed, spec.partial);
  if (spec.infotext === null) return pixels;
  return Buffer.concat([
    pixels.subarray(0, IHDR_END),
    textChunk('parameters', spec.infotext),
    pixels.subarray(IHDR_END),
  ]);
}

/**
 * Not a decodable JPEG: SOI, a JFIF header, a baseline SOF0 segment with the real dimensions and EOI, so
 * that magic-byte sniffing and size probing behave as with a real one.
 */
export function fakeJpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([
    0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
  ]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  const jfif = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, sof, Buffer.from([0xff, 0xd9])]);
}

/** Not a decodable WebP: a RIFF/WEBP container whose VP8L header carries the real dimensions. */
export function fakeWebp(width: number, height: number): Buffer {
  const vp8l = Buffer.alloc(6);
  vp8l[0] = 0x2f;
  // 14 bits width-1, 14 bits height-1, alpha and version bits 0, little-endian.
  vp8l.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  const body = Buffer.concat([Buffer.from('WEBP'), chunkLE('VP8L', vp8l)]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function chunkLE(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

/** What PIL's Image.open would recognise from the first bytes. */
export function sniffImage(bytes: Buffer): ImageFormat | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.toString('latin1', 0, 4) === 'GIF8') return 'gif';
  if (bytes.toString('latin1', 0, 2) === 'BM') return 'bmp';
  return null;
}

let preview: Buffer | undefined;

/** The live preview /progress hands out: small, since only its presence matters to a client. */
export function previewPng(): Buffer {
  preview ??= encodePng({ width: 64, height: 64, seed: 0, partial: true, infotext: null });
  return preview;
}
