// Builds the apps only when dist/ is missing or older than its sources, so `npm start` and
// `npm run admin:claim-link` take a second, not half a minute, when nothing changed. Plain JavaScript on
// purpose: it has to run before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Compiled by tsc (tsconfig.build.json's include, specs excluded): source .ts → dist/…/.js. */
const COMPILED = ['apps', 'libs', 'scripts', 'bench', join('test', 'fakes')];
/** Copied as they are by nest build (nest-cli.json's assets). */
const ASSETS = ['views', 'public'];
/** A change here may change every output. */
const SETTINGS = [
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  join('apps', 'gateway', 'tsconfig.app.json'),
  join('apps', 'renderer', 'tsconfig.app.json'),
];

function* filesUnder(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

const mtimeOf = (path) => (existsSync(path) ? statSync(path).mtimeMs : null);

/** The first source whose output is missing or older than it, or null when dist/ is current. */
export function staleSource(root = ROOT) {
  const dist = join(root, 'dist');
  for (const base of COMPILED) {
    for (const source of filesUnder(join(root, base))) {
      if (!source.endsWith('.ts') || /\.(?:spec|e2e-spec|test|d)\.ts$/.test(source)) continue;
      const output = join(dist, relative(root, source)).replace(/\.ts$/, '.js');
      const built = mtimeOf(output);
      if (built === null || built < statSync(source).mtimeMs) return relative(root, source);
    }
  }
  for (const base of ASSETS) {
    for (const source of filesUnder(join(root, base))) {
      const built = mtimeOf(join(dist, relative(root, source)));
      if (built === null || built < statSync(source).mtimeMs) return relative(root, source);
    }
  }
  const oldestEntry = Math.min(
    mtimeOf(join(dist, 'apps', 'gateway', 'src', 'main.js')) ?? 0,
    mtimeOf(join(dist, 'apps', 'renderer', 'src', 'main.js')) ?? 0,
  );
  for (const name of SETTINGS) {
    const changed = mtimeOf(join(root, name));
    if (changed !== null && changed > oldestEntry) return name;
  }
  return null;
}

/** Runs `npm run build` when needed; its output goes to stderr, so a script's last stdout line stays its own. */
export function buildIfStale() {
  const stale = staleSource();
  if (stale === null) return;
  console.error(`Building the apps (${stale} is newer than dist/)…`);
  const npm = process.env.npm_execpath;
  const [command, args] = npm
    ? [process.execPath, [npm, 'run', '--silent', 'build']]
    : ['npm', ['run', '--silent', 'build']];
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    console.error('The build failed (see above).');
    process.exit(result.status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfStale();
