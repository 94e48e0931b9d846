import { DEFAULT_GENERATION_SETTINGS, type GenerationSettings } from '#contracts';
import { describe, expect, it } from 'vitest';
import { SdFailure } from '../sd-failure.js';
import { optionsOf, resolveComfyChoices, type ComfyCatalog } from './comfy-choices.js';

const catalog: ComfyCatalog = {
  models: ['v1-5-pruned-emaonly.safetensors', 'xl/sd_xl_base_1.0.safetensors'],
  samplers: ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'uni_pc'],
  schedulers: ['simple', 'karras', 'exponential', 'normal', 'beta'],
};
const settings = (over: Partial<GenerationSettings>): GenerationSettings => ({
  ...DEFAULT_GENERATION_SETTINGS,
  ...over,
});

describe('resolveComfyChoices', () => {
  it("takes ComfyUI's own names as they are", () => {
    expect(resolveComfyChoices(settings({ sampler: 'euler', scheduler: 'beta' }), catalog)).toEqual({
      model: 'v1-5-pruned-emaonly.safetensors',
      sampler: 'euler',
      scheduler: 'beta',
    });
  });

  it('translates A1111 names, with the schedule A1111 would pick or the one named', () => {
    expect(resolveComfyChoices(settings({ sampler: 'DPM++ 2M' }), catalog)).toMatchObject({
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
    });
    expect(resolveComfyChoices(settings({ sampler: 'DPM++ 2M SDE Karras' }), catalog)).toMatchObject({
      sampler: 'dpmpp_2m_sde',
      scheduler: 'karras',
    });
    expect(
      resolveComfyChoices(settings({ sampler: 'Euler a', scheduler: 'Exponential' }), catalog),
    ).toMatchObject({
      sampler: 'euler_ancestral',
      scheduler: 'exponential',
    });
  });

  it('finds a checkpoint by file name, by A1111 title, or inside a subfolder; empty = the first', () => {
    expect(
      resolveComfyChoices(settings({ model: 'sd_xl_base_1.0.safetensors [31e35c80fc]' }), catalog).model,
    ).toBe('xl/sd_xl_base_1.0.safetensors');
    expect(resolveComfyChoices(settings({ model: '' }), catalog).model).toBe(
      'v1-5-pruned-emaonly.safetensors',
    );
  });

  it('refuses what ComfyUI does not have, naming what it has', () => {
    const refuse = (over: Partial<GenerationSettings>) => {
      try {
        resolveComfyChoices(settings(over), catalog);
      } catch (error) {
        return error as SdFailure;
      }
      throw new Error('expected a refusal');
    };
    expect(refuse({ sampler: 'Restart' })).toMatchObject({ kind: 'rejected' });
    expect(refuse({ sampler: 'Restart' }).message).toContain('euler, euler_ancestral, dpmpp_2m');
    expect(refuse({ scheduler: 'polyexponential' }).message).toMatch(/^The scheduler "polyexponential"/);
    expect(refuse({ model: 'missing.ckpt' }).message).toMatch(
      /^The model "missing.ckpt" is not on this ComfyUI/,
    );
    expect(() => resolveComfyChoices(settings({}), { ...catalog, models: [] })).toThrow(
      'ComfyUI lists no checkpoint',
    );
  });
});

describe('optionsOf', () => {
  it('reads an option list from object_info, and nothing from anything else', () => {
    const info = {
      KSampler: { input: { required: { scheduler: [['karras', 'normal'], { tooltip: 'x' }] } } },
    };
    expect(optionsOf(info, 'KSampler', 'scheduler')).toEqual(['karras', 'normal']);
    expect(optionsOf({}, 'KSampler', 'scheduler')).toEqual([]);
    expect(optionsOf(null, 'KSampler', 'scheduler')).toEqual([]);
  });
});
