import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config/gateway.config.js';
import { UserFilesService } from './user-files.service.js';

describe('UserFilesService', () => {
  let root: string;
  let output: string;
  let uploads: string;
  let files: UserFilesService;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vernissage-files-'));
    output = join(root, 'output');
    mkdirSync(output);
    uploads = join(root, 'uploads');
    mkdirSync(uploads);
    files = new UserFilesService({ outputDir: output, uploadDir: uploads } as GatewayConfig);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes the recorded image and its metadata, and counts what it removed', async () => {
    writeFileSync(join(output, '7.png'), 'png');
    writeFileSync(join(output, '7.json'), '{}');
    writeFileSync(join(output, '8.png'), 'someone else');
    expect(await files.removeFor([{ id: 7, imageFile: '7.png' }])).toBe(2);
    expect(existsSync(join(output, '7.png'))).toBe(false);
    expect(existsSync(join(output, '7.json'))).toBe(false);
    expect(existsSync(join(output, '8.png'))).toBe(true);
  });

  it("removes the guest's own picture from UPLOAD_DIR, also for a prompt never rendered", async () => {
    writeFileSync(join(uploads, '13.png'), 'picture');
    writeFileSync(join(uploads, '14.png'), 'someone else');
    expect(await files.removeFor([{ id: 13, imageFile: null, pictureFile: '13.png' }])).toBe(1);
    expect(existsSync(join(uploads, '13.png'))).toBe(false);
    expect(existsSync(join(uploads, '14.png'))).toBe(true);
    expect(await files.removeFor([{ id: 15, imageFile: null, pictureFile: '../output/x.png' }])).toBe(0);
  });

  it('leaves prompts without a recorded image alone, and files already gone are fine', async () => {
    writeFileSync(join(output, '9.json'), '{}');
    expect(await files.removeFor([{ id: 9, imageFile: null }])).toBe(0);
    expect(existsSync(join(output, '9.json'))).toBe(true);
    expect(await files.removeFor([{ id: 10, imageFile: '10.png' }])).toBe(0);
  });

  it('never touches a file outside OUTPUT_DIR, whatever the database says', async () => {
    writeFileSync(join(root, 'precious.txt'), 'keep');
    mkdirSync(join(output, 'sub'));
    writeFileSync(join(output, 'sub', 'x.png'), 'keep');
    for (const name of ['../precious.txt', join(root, 'precious.txt'), 'sub/x.png', '.', '']) {
      expect(files.insideOutputDir(name), name).toBeNull();
    }
    expect(await files.removeFor([{ id: 11, imageFile: '../precious.txt' }])).toBe(0);
    expect(existsSync(join(root, 'precious.txt'))).toBe(true);
    expect(existsSync(join(output, 'sub', 'x.png'))).toBe(true);
    expect(files.insideOutputDir('12.png')).toBe(join(output, '12.png'));
  });
});
