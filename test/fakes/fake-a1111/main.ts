import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeA1111 } from './fake-a1111.js';
import {
  FAKE_MODES,
  type FakeA1111,
  type FakeA1111Options,
  type FakeFlavour,
  type FakeMode,
  type SamplesFormat,
} from './types.js';

/**
 * Process entry for cross-process tests and benchmarks:
 *   node dist/test/fakes/fake-a1111/main.js --port 0 [--fixed-delay-ms 1000] [--step-delay-ms N] ...
 * prints `FAKE_A1111_URL=http://127.0.0.1:PORT` once listening and serves the /fake/* control routes.
 */

export const URL_LINE_PREFIX = 'FAKE_A1111_URL=';

const SAMPLES_FORMATS: readonly SamplesFormat[] = ['png', 'jpeg', 'webp'];

function nonNegative(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`--${flag} must be a non-negative number, got "${value}"`);
  }
  return n;
}

export function parseFakeArgs(argv: string[]): FakeA1111Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'step-delay-ms': { type: 'string' },
      'fixed-delay-ms': { type: 'string' },
      'model-load-ms': { type: 'string' },
      mode: { type: 'string' },
      'fail-times': { type: 'string' },
      auth: { type: 'string' },
      'samples-format': { type: 'string' },
      flavour: { type: 'string' },
      'legacy-sampler-not-found': { type: 'boolean' },
      'ui-mode': { type: 'boolean' },
      'no-gzip': { type: 'boolean' },
    },
  });
  const mode = values.mode as FakeMode | undefined;
  if (mode !== undefined && !FAKE_MODES.includes(mode)) {
    throw new Error(`--mode must be one of ${FAKE_MODES.join(', ')}`);
  }
  const format = values['samples-format'] as SamplesFormat | undefined;
  if (format !== undefined && !SAMPLES_FORMATS.includes(format)) {
    throw new Error(`--samples-format must be one of ${SAMPLES_FORMATS.join(', ')}`);
  }
  let auth: FakeA1111Options['auth'];
  if (values.auth !== undefined) {
    // Split at the first colon, as --api-auth "user:password" is meant.
    const colon = values.auth.indexOf(':');
    if (colon < 1) throw new Error('--auth must be user:password');
    auth = { username: values.auth.slice(0, colon), password: values.auth.slice(colon + 1) };
  }
  return {
    host: values.host,
    port: nonNegative('port', values.port) ?? 0,
    stepDelayMs: nonNegative('step-delay-ms', values['step-delay-ms']),
    fixedDelayMs: nonNegative('fixed-delay-ms', values['fixed-delay-ms']),
    modelLoadMs: nonNegative('model-load-ms', values['model-load-ms']),
    mode,
    failTimes: nonNegative('fail-times', values['fail-times']),
    auth,
    samplesFormat: format,
    legacySamplerNotFound: values['legacy-sampler-not-found'],
    uiMode: values['ui-mode'],
    flavour: parseFlavour(values.flavour),
    gzip: values['no-gzip'] ? false : undefined,
    controlRoutes: true,
  };
}

/** Starts the fake from CLI arguments and announces its URL; returns it so a caller can close it. */
export async function runFakeA1111(argv: string[], out: (line: string) => void): Promise<FakeA1111> {
  const fake = await startFakeA1111(parseFakeArgs(argv));
  out(`${URL_LINE_PREFIX}${fake.url}`);
  return fake;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runFakeA1111(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (fake) => {
      const stop = () => void fake.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`fake A1111: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

function parseFlavour(value: string | undefined): FakeFlavour | undefined {
  if (value === undefined) return undefined;
  if (value !== 'a1111' && value !== 'forge' && value !== 'sdnext') {
    throw new Error('--flavour must be a1111, forge or sdnext');
  }
  return value;
}
