import { A1111_VERSION } from './catalog.js';
import { PyFloat, pyStr } from './python.js';

/** Everything create_infotext() reads for one image. */
export interface InfotextInput {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  scheduleType: string;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  modelHash: string;
  modelName: string;
  faceRestoration: string | null;
  subseed: number;
  subseedStrength: number;
  seedResizeFrom: [number, number];
  clipSkip: number;
  tiling: boolean;
  /** Hires and img2img parameters, in the order A1111 appends them. */
  extra: Record<string, unknown>;
}

/** A1111 quotes a value that would break the "k: v, k: v" syntax. */
function quote(value: string): string {
  return /[,\n:]/.test(value) ? JSON.stringify(value) : value;
}

/** processing.create_infotext (v1.10): "prompt\nNegative prompt: …\nSteps: N, Sampler: X, …". */
export function createInfotext(p: InfotextInput): string {
  const params: [string, unknown][] = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['Schedule type', p.scheduleType],
    ['CFG scale', new PyFloat(p.cfgScale)],
    ['Seed', p.seed],
    ['Face restoration', p.faceRestoration],
    ['Size', `${p.width}x${p.height}`],
    ['Model hash', p.modelHash],
    ['Model', p.modelName],
    ['Variation seed', p.subseedStrength > 0 ? p.subseed : null],
    ['Variation seed strength', p.subseedStrength > 0 ? new PyFloat(p.subseedStrength) : null],
    [
      'Seed resize from',
      p.seedResizeFrom[0] > 0 && p.seedResizeFrom[1] > 0
        ? `${p.seedResizeFrom[0]}x${p.seedResizeFrom[1]}`
        : null,
    ],
    ['Denoising strength', p.extra['Denoising strength'] ?? null],
    ['Clip skip', p.clipSkip <= 1 ? null : p.clipSkip],
    ['Tiling', p.tiling ? true : null],
    ...Object.entries(p.extra).filter(([k]) => k !== 'Denoising strength'),
    ['Version', A1111_VERSION],
  ];
  const text = params
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${quote(pyStr(v))}`)
    .join(', ');
  const negative = p.negativePrompt ? `\nNegative prompt: ${p.negativePrompt}` : '';
  return `${p.prompt}${negative}\n${text}`.trim();
}
