/**
 * ComfyUI API-format workflows with placeholders: the built-in txt2img/img2img ones and the host's own files
 * (COMFY_WORKFLOW_TXT2IMG / COMFY_WORKFLOW_IMG2IMG). A placeholder is a string value such as "{{seed}}";
 * numbers replace the whole value (ComfyUI would otherwise read a list of two as a link), the two texts may
 * also sit inside a longer string ("{{prompt}}, film grain").
 */
import { isRecord } from '../json-values.js';

export type WorkflowKind = 'txt2img' | 'img2img';

export interface WorkflowNode {
  class_type: string;
  inputs: Record<string, unknown>;
  [key: string]: unknown;
}
export type Workflow = Record<string, WorkflowNode>;

export interface WorkflowValues {
  prompt: string;
  negative_prompt: string;
  seed: number;
  steps: number;
  cfg: number;
  sampler: string;
  scheduler: string;
  width: number;
  height: number;
  model: string;
  /** The uploaded init image as LoadImage names it ("vernissage/guest-42.png"); img2img only. */
  init_image?: string;
  denoise: number;
  filename_prefix: string;
}

const NUMBER_PLACEHOLDERS = ['seed', 'steps', 'cfg', 'width', 'height', 'denoise'] as const;
const TEXT_PLACEHOLDERS = ['prompt', 'negative_prompt'] as const;
const NAME_PLACEHOLDERS = ['sampler', 'scheduler', 'model', 'init_image', 'filename_prefix'] as const;
type Placeholder =
  | (typeof NUMBER_PLACEHOLDERS)[number]
  | (typeof TEXT_PLACEHOLDERS)[number]
  | (typeof NAME_PLACEHOLDERS)[number];
const ALL_PLACEHOLDERS: readonly Placeholder[] = [
  ...TEXT_PLACEHOLDERS,
  ...NUMBER_PLACEHOLDERS,
  ...NAME_PLACEHOLDERS,
];

/** What a workflow must contain so that every setting the host chose reaches ComfyUI. */
const TXT2IMG_PLACEHOLDERS: readonly Placeholder[] = [
  'prompt',
  'negative_prompt',
  'seed',
  'steps',
  'cfg',
  'sampler',
  'scheduler',
  'width',
  'height',
  'model',
];
export const REQUIRED_PLACEHOLDERS: Record<WorkflowKind, readonly Placeholder[]> = {
  txt2img: TXT2IMG_PLACEHOLDERS,
  // img2img: everything txt2img needs, and the guest's picture.
  img2img: [...TXT2IMG_PLACEHOLDERS, 'init_image'],
};

/** Output nodes whose images ComfyUI reports in `executed` and the history. */
const OUTPUT_CLASSES = new Set(['SaveImage', 'PreviewImage']);

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** Every string value of every node's inputs, with where it is. */
function* stringInputs(workflow: Workflow): Generator<{ node: string; input: string; value: string }> {
  for (const [node, { inputs }] of Object.entries(workflow)) {
    for (const [input, value] of Object.entries(inputs)) {
      if (typeof value === 'string') yield { node, input, value };
    }
  }
}

/**
 * Checks a workflow (parsed JSON) and lists every problem, each in words a host can act on. An empty list
 * means it is usable for `kind`.
 */
export function workflowProblems(raw: unknown, kind: WorkflowKind): string[] {
  if (isRecord(raw) && Array.isArray(raw['nodes']) && Array.isArray(raw['links'])) {
    return [
      'is a ComfyUI UI workflow, not the API format: in ComfyUI use "Export (API)" (Workflow menu) and point to that file',
    ];
  }
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    return ['must be a JSON object of nodes ({"3": {"class_type": "KSampler", "inputs": {…}}, …})'];
  }
  const problems: string[] = [];
  for (const [id, node] of Object.entries(raw)) {
    if (!isRecord(node) || typeof node['class_type'] !== 'string' || !isRecord(node['inputs'])) {
      problems.push(`node "${id}" needs a "class_type" text and an "inputs" object`);
    }
  }
  if (problems.length > 0) return problems;
  const workflow = raw as Workflow;
  if (!Object.values(workflow).some((node) => OUTPUT_CLASSES.has(node.class_type))) {
    problems.push('has no SaveImage (or PreviewImage) node, so ComfyUI would produce no picture');
  }
  const seen = new Set<string>();
  for (const { node, input, value } of stringInputs(workflow)) {
    for (const match of value.matchAll(PLACEHOLDER)) {
      const name = match[1]!;
      if (!(ALL_PLACEHOLDERS as readonly string[]).includes(name)) {
        problems.push(`node "${node}" input "${input}" uses an unknown placeholder {{${name}}}`);
        continue;
      }
      seen.add(name);
      const whole = value.trim() === match[0];
      if (!whole && !(TEXT_PLACEHOLDERS as readonly string[]).includes(name)) {
        problems.push(
          `node "${node}" input "${input}": {{${name}}} must be the whole value ("${input}": "{{${name}}}")`,
        );
      }
    }
  }
  const missing = REQUIRED_PLACEHOLDERS[kind].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    problems.push(
      `lacks the placeholder${missing.length > 1 ? 's' : ''} ${missing.map((n) => `{{${n}}}`).join(', ')}`,
    );
  }
  return problems;
}

/** A copy of the workflow with every placeholder replaced by its value. */
export function fillWorkflow(workflow: Workflow, values: WorkflowValues): Workflow {
  const filled: Workflow = {};
  for (const [id, node] of Object.entries(workflow)) {
    const inputs: Record<string, unknown> = {};
    for (const [input, value] of Object.entries(node.inputs)) {
      inputs[input] = typeof value === 'string' ? fillValue(value, values) : structuredClone(value);
    }
    filled[id] = { ...structuredClone(node), inputs };
  }
  return filled;
}

function fillValue(value: string, values: WorkflowValues): unknown {
  const whole = /^\{\{\s*([a-z_]+)\s*\}\}$/.exec(value.trim());
  if (whole) {
    const name = whole[1] as keyof WorkflowValues;
    if (name in values) return values[name];
  }
  return value.replace(PLACEHOLDER, (text, name: string) =>
    name in values ? String(values[name as keyof WorkflowValues]) : text,
  );
}

/** Reads a host's workflow file's text: the workflow, or the problems that make it unusable. */
export function parseWorkflowText(
  text: string,
  kind: WorkflowKind,
): { workflow: Workflow } | { problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [`is not valid JSON (${(error as Error).message})`] };
  }
  const problems = workflowProblems(raw, kind);
  return problems.length > 0 ? { problems } : { workflow: raw as Workflow };
}

/** The built-in txt2img workflow: the default ComfyUI graph, with placeholders. */
export const BUILTIN_TXT2IMG: Workflow = {
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: '{{model}}' } },
  '5': {
    class_type: 'EmptyLatentImage',
    inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 },
  },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['4', 1] } },
  '3': {
    class_type: 'KSampler',
    inputs: {
      seed: '{{seed}}',
      steps: '{{steps}}',
      cfg: '{{cfg}}',
      sampler_name: '{{sampler}}',
      scheduler: '{{scheduler}}',
      denoise: 1,
      model: ['4', 0],
      positive: ['6', 0],
      negative: ['7', 0],
      latent_image: ['5', 0],
    },
  },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: '{{filename_prefix}}', images: ['8', 0] } },
};

/** The built-in img2img workflow: the guest's picture scaled to the chosen size, encoded, re-sampled. */
export const BUILTIN_IMG2IMG: Workflow = {
  '4': BUILTIN_TXT2IMG['4']!,
  '10': { class_type: 'LoadImage', inputs: { image: '{{init_image}}' } },
  '11': {
    class_type: 'ImageScale',
    inputs: {
      image: ['10', 0],
      upscale_method: 'lanczos',
      width: '{{width}}',
      height: '{{height}}',
      crop: 'center',
    },
  },
  '12': { class_type: 'VAEEncode', inputs: { pixels: ['11', 0], vae: ['4', 2] } },
  '6': BUILTIN_TXT2IMG['6']!,
  '7': BUILTIN_TXT2IMG['7']!,
  '3': {
    class_type: 'KSampler',
    inputs: {
      ...BUILTIN_TXT2IMG['3']!.inputs,
      denoise: '{{denoise}}',
      latent_image: ['12', 0],
    },
  },
  '8': BUILTIN_TXT2IMG['8']!,
  '9': BUILTIN_TXT2IMG['9']!,
};
