import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config/gateway.config.js';
import { NOT_AN_IMAGE, PictureService } from './picture.service.js';
import { SafeFetchService } from './safe-fetch.service.js';

describe('PictureService', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vernissage-pictures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const service = new PictureService(
    { uploadDir: join(dir, 'uploads') } as GatewayConfig,
    new SafeFetchService(),
  );

  it('judges by content: a GIF is fine, text and a truncated PNG are not', async () => {
    const gif = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#f00' } })
      .gif()
      .toBuffer();
    const png = await service.decodeAndResize(gif, 256, 512);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 256, height: 512 });

    await expect(
      service.decodeAndResize(Buffer.from('<svg onload="x">'.repeat(3)), 256, 256),
    ).rejects.toThrow(NOT_AN_IMAGE);
    const whole = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#0f0' } })
      .png()
      .toBuffer();
    await expect(service.decodeAndResize(whole.subarray(0, 60), 256, 256)).rejects.toThrow(NOT_AN_IMAGE);
    await expect(service.decodeAndResize(Buffer.alloc(0), 256, 256)).rejects.toThrow(NOT_AN_IMAGE);
  });

  it('stores under a fresh name each time and reads it back as base64; a missing file reads as null', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00f' } })
      .png()
      .toBuffer();
    const name = await service.store(png);
    expect(name).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(await service.store(png)).not.toBe(name);
    expect(await service.readBase64(name)).toBe(png.toString('base64'));
    await service.remove(name);
    expect(await service.readBase64(name)).toBeNull();
  });

  it('takes a file or a URL, not both, and nothing (or an empty file part) means no picture', async () => {
    await expect(service.prepare({}, 256, 256)).resolves.toBeNull();
    const empty = join(dir, 'empty.part');
    writeFileSync(empty, '');
    await expect(service.prepare({ upload: { path: empty, size: 0 } }, 256, 256)).resolves.toBeNull();
    await expect(
      service.prepare({ upload: { path: empty, size: 1 }, url: 'https://example.org/a.png' }, 256, 256),
    ).rejects.toThrow('not both');
  });

  it('decodes an uploaded file from disk', async () => {
    const file = join(dir, 'upload.part');
    writeFileSync(
      file,
      await sharp({ create: { width: 30, height: 60, channels: 3, background: '#0ff' } })
        .jpeg()
        .toBuffer(),
    );
    const png = await service.prepare({ upload: { path: file, size: 1 } }, 256, 512);
    expect(await sharp(png!).metadata()).toMatchObject({ format: 'png', width: 256, height: 512 });
    writeFileSync(file, 'not a picture at all');
    await expect(service.prepare({ upload: { path: file, size: 20 } }, 256, 256)).rejects.toThrow(
      NOT_AN_IMAGE,
    );
  });
});
