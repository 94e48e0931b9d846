import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  downloadName,
  hasServableImage,
  imageContentType,
  metadataFileName,
  resolveImagePath,
} from './image-files.js';

describe('image files', () => {
  const output = resolve('/srv/vernissage/output');

  it('resolves a stored name inside OUTPUT_DIR', () => {
    expect(resolveImagePath(output, '12.png')).toBe(join(output, '12.png'));
    expect(resolveImagePath(output, '12.webp')).toBe(join(output, '12.webp'));
  });

  it('refuses names that could leave OUTPUT_DIR or are not images', () => {
    for (const name of [
      '../12.png',
      '..',
      '/etc/passwd',
      'sub/12.png',
      'sub\\12.png',
      '12.png/..',
      '.png',
      '12.json',
      '12.png.tmp',
      '12.svg',
      '',
      `${'a'.repeat(200)}.png`,
    ]) {
      expect(resolveImagePath(output, name), name).toBeNull();
    }
  });

  it('serves only rendered prompts with an image on record', () => {
    expect(hasServableImage({ status: 'rendered', imageFile: '1.png' })).toBe(true);
    expect(hasServableImage({ status: 'rendered', imageFile: null })).toBe(false);
    expect(hasServableImage({ status: 'rendered', imageFile: '../1.png' })).toBe(false);
    for (const status of ['pending', 'approved', 'denied', 'queued', 'rendering', 'failed'] as const) {
      expect(hasServableImage({ status, imageFile: '1.png' }), status).toBe(false);
    }
  });

  it('derives the content type, the sidecar and the download name from the stored name', () => {
    expect(imageContentType('1.png')).toBe('image/png');
    expect(imageContentType('1.JPG')).toBe('image/jpeg');
    expect(imageContentType('1.jpeg')).toBe('image/jpeg');
    expect(imageContentType('1.webp')).toBe('image/webp');
    expect(metadataFileName('1.png')).toBe('1.json');
    expect(downloadName(7, '7.png')).toBe('vernissage-7.png');
    expect(downloadName(7, '7.jpeg')).toBe('vernissage-7.jpg');
  });
});
