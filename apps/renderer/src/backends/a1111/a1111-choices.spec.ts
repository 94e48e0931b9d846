import { DEFAULT_GENERATION_SETTINGS, type GenerationSettings } from '#contracts';
import { describe, expect, it } from 'vitest';
import { modelMismatch, parseA1111Catalog, resolveA1111Choices, type A1111Catalog } from './a1111-choices.js';

const a1111: A1111Catalog = parseA1111Catalog(
  [
    { name: 'DPM++ 2M', aliases: ['k_dpmpp_2m'] },
    { name: 'Euler a', aliases: ['k_euler_a'] },
  ],
  [
    { name: 'automatic', label: 'Automatic', aliases: null },
    { name: 'karras', label: 'Karras', aliases: null },
    { name: 'sgm_uniform', label: 'SGM Uniform', aliases: ['SGMUniform'] },
  ],
  [
    {
      title: 'v1-5-pruned-emaonly.safetensors [6ce0161689]',
      model_name: 'v1-5-pruned-emaonly',
      hash: '6ce0161689',
      sha256: '6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa',
      filename: '/models/Stable-diffusion/v1-5-pruned-emaonly.safetensors',
    },
  ],
);
const sdnext: A1111Catalog = { ...a1111, schedulers: null };
const settings = (over: Partial<GenerationSettings>): GenerationSettings => ({
  ...DEFAULT_GENERATION_SETTINGS,
  ...over,
});

describe('resolveA1111Choices', () => {
  it('splits an old "sampler scheduler" name on servers that have schedulers', () => {
    expect(resolveA1111Choices(settings({ sampler: 'DPM++ 2M Karras' }), a1111, 'a1111')).toMatchObject({
      sampler: 'DPM++ 2M',
      scheduler: 'karras',
      notes: [],
    });
    expect(
      resolveA1111Choices(settings({ sampler: 'k_euler_a', scheduler: 'SGMUniform' }), a1111, 'forge'),
    ).toMatchObject({ sampler: 'Euler a', scheduler: 'sgm_uniform' });
  });

  it('on SD.Next sends the bare sampler and says the scheduler is not applied', () => {
    const choices = resolveA1111Choices(
      settings({ sampler: 'DPM++ 2M Karras', scheduler: 'Karras' }),
      sdnext,
      'sdnext',
    );
    expect(choices).toMatchObject({ sampler: 'DPM++ 2M', scheduler: null });
    expect(choices.notes).toEqual([
      'SD.Next has no "Karras" scheduler setting; "DPM++ 2M" runs with its own schedule',
      'SD.Next has no scheduler setting; "Karras" is not applied',
    ]);
  });

  it('finds the model by title, name, hash or file, and refuses names the server lacks', () => {
    for (const name of ['v1-5-pruned-emaonly', '6ce0161689', 'v1-5-pruned-emaonly.safetensors']) {
      expect(resolveA1111Choices(settings({ model: name }), a1111, 'a1111').checkpoint?.hash).toBe(
        '6ce0161689',
      );
    }
    expect(() => resolveA1111Choices(settings({ model: 'nope' }), a1111, 'a1111')).toThrow(
      /^The model "nope"/,
    );
    expect(() => resolveA1111Choices(settings({ sampler: 'Restart' }), a1111, 'forge')).toThrow(
      'The sampler "Restart" is not offered by this Stable Diffusion server (Forge); choose one of its own in Settings: DPM++ 2M, Euler a',
    );
    expect(() => resolveA1111Choices(settings({ scheduler: 'Beta' }), a1111, 'a1111')).toThrow(
      /^The scheduler "Beta" is not offered/,
    );
  });
});

describe('modelMismatch', () => {
  const asked = a1111.models[0]!;
  it('compares by hash when both have one, else by name', () => {
    expect(modelMismatch(asked, { sd_model_hash: '6ce0161689', sd_model_name: 'renamed' })).toBeNull();
    expect(modelMismatch(asked, { sd_model_hash: '31e35c80fc', sd_model_name: 'sd_xl_base_1.0' })).toContain(
      '"sd_xl_base_1.0" instead of "v1-5-pruned-emaonly.safetensors [6ce0161689]"',
    );
    expect(modelMismatch({ ...asked, hash: null }, { sd_model_name: 'v1-5-pruned-emaonly' })).toBeNull();
    // Nothing to compare (SD.Next's empty info): no claim either way.
    expect(modelMismatch(asked, {})).toBeNull();
  });
});
