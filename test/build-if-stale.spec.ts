import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { staleSource } from '../scripts/build-if-stale.mjs';
import { makeTempDir } from './gateway/harness.js';

describe('build-if-stale: is dist/ older than its sources?', () => {
  const temp = makeTempDir('vernissage-stale-');
  afterAll(() => temp.cleanup());
  const root = temp.dir;

  function file(path: string, ageSeconds: number): void {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, '');
    const when = new Date(Date.now() - ageSeconds * 1000);
    utimesSync(full, when, when);
  }

  it('follows every compiled source, copied asset and build setting', () => {
    file('apps/gateway/src/main.ts', 100);
    file('apps/gateway/src/main.spec.ts', 1);
    file('apps/renderer/src/main.ts', 100);
    file('views/home.hbs', 100);
    file('tsconfig.json', 100);
    expect(staleSource(root)).toBe('apps/gateway/src/main.ts');

    file('dist/apps/gateway/src/main.js', 50);
    file('dist/apps/renderer/src/main.js', 50);
    expect(staleSource(root)).toBe('views/home.hbs');
    file('dist/views/home.hbs', 50);
    // Specs are not built, so a newer spec changes nothing.
    expect(staleSource(root)).toBeNull();

    file('apps/renderer/src/main.ts', 10);
    expect(staleSource(root)).toBe('apps/renderer/src/main.ts');
    file('dist/apps/renderer/src/main.js', 5);
    file('tsconfig.json', 1);
    expect(staleSource(root)).toBe('tsconfig.json');
  });
});
