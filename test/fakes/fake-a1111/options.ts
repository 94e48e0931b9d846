import { isDeepStrictEqual } from 'node:util';
import { CHECKPOINTS, defaultOptions, findCheckpoint, type Checkpoint } from './catalog.js';
import { keyError, pythonException } from './errors.js';

/**
 * A1111's `shared.opts` plus the loaded model. `Options.set` compares with the old value before it looks
 * the key up, so `{"no_such_key": null}` is silently accepted while `{"no_such_key": 1}` is a KeyError;
 * we keep that quirk because a client could depend on either.
 */
export class OptionsStore {
  readonly data: Record<string, unknown>;
  /** Title of the checkpoint in VRAM; null until the first job loads one (A1111 loads lazily since 1.6). */
  loadedTitle: string | null = null;

  constructor(samplesFormat: string, extra: Record<string, unknown> = {}) {
    this.data = { ...defaultOptions(samplesFormat), ...extra };
  }

  has(key: string): boolean {
    return Object.hasOwn(this.data, key);
  }

  /** Options.set(key, value): returns whether the value changed; throws KeyError for an unknown key. */
  set(key: string, value: unknown): boolean {
    const old = this.has(key) ? this.data[key] : null;
    if (isDeepStrictEqual(old, value)) return false;
    if (!this.has(key)) throw keyError(key);
    this.data[key] = value;
    return true;
  }

  selectedCheckpoint(): Checkpoint {
    return findCheckpoint(String(this.data['sd_model_checkpoint'])) ?? CHECKPOINTS[0]!;
  }

  /** `checkpoint {name!r} not found` as set_config raises it before touching any setting. */
  static assertCheckpointExists(name: unknown): void {
    if (name === undefined || name === null) return;
    if (typeof name !== 'string' || !findCheckpoint(name)) {
      throw pythonException('RuntimeError', `model ${pyRepr(name)} not found`);
    }
  }
}

function pyRepr(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replaceAll("'", "\\'")}'`;
}
