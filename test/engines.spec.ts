import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
}

/** Whether npm installs this entry here (platform-specific optional packages are skipped on other systems). */
function installsHere(entry: LockEntry): boolean {
  const matches = (list: string[] | undefined, value: string) =>
    !list || list.some((item) => (item.startsWith('!') ? item.slice(1) !== value : item === value));
  return matches(entry.os, process.platform) && matches(entry.cpu, process.arch);
}

describe('dependencies and the Node versions in package.json "engines"', () => {
  it('every installed package supports the oldest Node we promise (npm ci prints no EBADENGINE)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const unsupported = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && installsHere(entry))
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range && !semver.satisfies(oldest, range)
          ? [`${path}@${entry.version} wants node ${range}`]
          : [];
      });
    expect(unsupported, `Node ${oldest}`).toEqual([]);
  });
});
