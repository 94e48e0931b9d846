import { PNG, type PackerOptions } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, forEachLitPixel, toFontText } from './bitmap-font.js';

export interface PlaceholderSpec {
  width: number;
  height: number;
  /** #rrggbb */
  colourHex: string;
  title: string;
  /** Free text, word-wrapped under the title as far as it fits. */
  text: string;
  footer: string;
}

const MAX_TEXT_LINES = 6;

/**
 * PNG encoding tuned for speed: RGB without alpha, no row filters and the fastest deflate level. pngjs defaults to
 * the run-length strategy, which cannot see the 3-byte period of an RGB colour and leaves the image uncompressed
 * (then checksummed byte by byte in JavaScript); the default strategy finds it, so a 512² placeholder takes ~2 ms.
 */
const PNG_OPTIONS: PackerOptions = {
  colorType: 2,
  inputColorType: 2,
  inputHasAlpha: false,
  deflateLevel: 1,
  deflateStrategy: 0,
  filterType: 0,
};

/** Draws a flat image in the author's colour, labelled in black or white (whichever reads better on it). */
export function drawPlaceholderPng(spec: PlaceholderSpec): Buffer {
  const { width, height } = spec;
  const background = parseHex(spec.colourHex);
  const ink = luminance(background) > 0.45 ? ([0, 0, 0] as const) : ([255, 255, 255] as const);
  const pixels = Buffer.allocUnsafe(width * height * 3);
  fill(pixels, background);

  const textScale = Math.max(1, Math.floor(Math.min(width, height) / 256));
  const titleScale = textScale * 3;
  const margin = 8 * textScale;
  const lineHeight = (GLYPH_HEIGHT + 3) * textScale;
  const plotText = (text: string, scale: number, top: number) => {
    const textWidth = text.length * GLYPH_ADVANCE * scale - scale;
    const left = Math.max(margin, Math.floor((width - textWidth) / 2));
    forEachLitPixel(text, (x, y) =>
      block(pixels, width, height, left + x * scale, top + y * scale, scale, ink),
    );
  };

  const maxChars = Math.max(1, Math.floor((width - 2 * margin) / (GLYPH_ADVANCE * textScale)));
  const lines = wrapWords(toFontText(spec.text), maxChars, MAX_TEXT_LINES);
  const titleHeight = GLYPH_HEIGHT * titleScale;
  const blockHeight = titleHeight + 2 * lineHeight + lines.length * lineHeight;
  let top = Math.max(margin, Math.floor((height - blockHeight) / 2));
  plotText(toFontText(spec.title).slice(0, Math.max(1, Math.floor(maxChars / 3))), titleScale, top);
  top += titleHeight + 2 * lineHeight;
  for (const line of lines) {
    plotText(line, textScale, top);
    top += lineHeight;
  }
  plotText(toFontText(spec.footer).slice(0, maxChars), textScale, height - margin - GLYPH_HEIGHT * textScale);

  return PNG.sync.write({ width, height, data: pixels } as PNG, PNG_OPTIONS);
}

/** Greedy word wrap; words longer than a line are cut, and an overflowing last line ends with "...". */
export function wrapWords(text: string, maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of text.split(' ').filter(Boolean)) {
    const word = raw.length > maxChars ? raw.slice(0, maxChars) : raw;
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= maxChars) {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = word;
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines && line) {
    lines.push(line);
    return lines;
  }
  if (lines.length === maxLines) {
    const last = lines[maxLines - 1]!;
    lines[maxLines - 1] = `${last.slice(0, Math.max(0, maxChars - 3))}...`;
  }
  return lines;
}

function parseHex(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** Relative luminance (sRGB approximated by a plain weighted mean, which is enough to pick black or white). */
function luminance([r, g, b]: readonly number[]): number {
  return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
}

function fill(pixels: Buffer, [r, g, b]: readonly number[]): void {
  pixels[0] = r!;
  pixels[1] = g!;
  pixels[2] = b!;
  // Doubling copies: a few dozen memcpy calls instead of a per-pixel loop.
  for (let filled = 3; filled < pixels.length; filled *= 2) {
    pixels.copy(pixels, filled, 0, Math.min(filled, pixels.length - filled));
  }
}

function block(
  pixels: Buffer,
  width: number,
  height: number,
  x0: number,
  y0: number,
  size: number,
  [r, g, b]: readonly number[],
): void {
  for (let y = y0; y < y0 + size && y < height; y++) {
    for (let x = x0; x < x0 + size && x < width; x++) {
      if (x < 0 || y < 0) continue;
      const i = (y * width + x) * 3;
      pixels[i] = r!;
      pixels[i + 1] = g!;
      pixels[i + 2] = b!;
    }
  }
}
