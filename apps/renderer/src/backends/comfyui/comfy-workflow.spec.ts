import { describe, expect, it } from 'vitest';
import {
  BUILTIN_IMG2IMG,
  BUILTIN_TXT2IMG,
  fillWorkflow,
  parseWorkflowText,
  workflowProblems,
  type WorkflowValues,
} from './comfy-workflow.js';

const values: WorkflowValues = {
  prompt: 'a fox',
  negative_prompt: 'blurry',
  seed: 42,
  steps: 20,
  cfg: 6.5,
  sampler: 'dpmpp_2m',
  scheduler: 'karras',
  width: 512,
  height: 768,
  model: 'v1-5-pruned-emaonly.safetensors',
  init_image: 'vernissage/guest-1.png',
  denoise: 0.6,
  filename_prefix: 'vernissage/1',
};

describe('built-in workflows', () => {
  it('are valid for their kind', () => {
    expect(workflowProblems(BUILTIN_TXT2IMG, 'txt2img')).toEqual([]);
    expect(workflowProblems(BUILTIN_IMG2IMG, 'img2img')).toEqual([]);
    // txt2img has no init image: not usable for img2img.
    expect(workflowProblems(BUILTIN_TXT2IMG, 'img2img')).toEqual(['lacks the placeholder {{init_image}}']);
  });

  it('fill numbers as numbers, texts inside strings, links untouched, and leave the template as it was', () => {
    const filled = fillWorkflow(BUILTIN_IMG2IMG, values);
    expect(filled['3']!.inputs).toMatchObject({
      seed: 42,
      steps: 20,
      cfg: 6.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      denoise: 0.6,
      latent_image: ['12', 0],
    });
    expect(filled['10']!.inputs['image']).toBe('vernissage/guest-1.png');
    expect(filled['11']!.inputs).toMatchObject({ width: 512, height: 768 });
    expect(BUILTIN_IMG2IMG['3']!.inputs['seed']).toBe('{{seed}}');
    const custom = fillWorkflow(
      { '1': { class_type: 'CLIPTextEncode', inputs: { text: '{{ prompt }}, by {{negative_prompt}}' } } },
      values,
    );
    expect(custom['1']!.inputs['text']).toBe('a fox, by blurry');
  });
});

describe('host workflow files', () => {
  it('name every problem', () => {
    expect(parseWorkflowText('{"3": ', 'txt2img')).toMatchObject({
      problems: [expect.stringMatching(/^is not valid JSON/)],
    });
    expect(workflowProblems({ '1': { class_type: 'KSampler' } }, 'txt2img')).toEqual([
      'node "1" needs a "class_type" text and an "inputs" object',
    ]);
    expect(
      workflowProblems(
        { '1': { class_type: 'KSampler', inputs: { seed: '{{seeed}}', steps: 'n={{steps}}' } } },
        'txt2img',
      ),
    ).toEqual([
      'has no SaveImage (or PreviewImage) node, so ComfyUI would produce no picture',
      'node "1" input "seed" uses an unknown placeholder {{seeed}}',
      'node "1" input "steps": {{steps}} must be the whole value ("steps": "{{steps}}")',
      'lacks the placeholders {{prompt}}, {{negative_prompt}}, {{seed}}, {{cfg}}, {{sampler}}, {{scheduler}}, {{width}}, {{height}}, {{model}}',
    ]);
  });
});
