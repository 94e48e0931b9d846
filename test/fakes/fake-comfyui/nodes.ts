/**
 * The node classes the fake knows, with their inputs as ComfyUI declares them (nodes.py at a125cd8, reference
 * comfyui-api.md §2): enough for the built-in txt2img/img2img graphs and the usual variants of them.
 */

export const CHECKPOINTS = ['v1-5-pruned-emaonly.safetensors', 'sd_xl_base_1.0.safetensors'];

export const SAMPLER_NAMES = [
  'euler',
  'euler_cfg_pp',
  'euler_ancestral',
  'euler_ancestral_cfg_pp',
  'heun',
  'heunpp2',
  'dpm_2',
  'dpm_2_ancestral',
  'lms',
  'dpm_fast',
  'dpm_adaptive',
  'dpmpp_2s_ancestral',
  'dpmpp_2s_ancestral_cfg_pp',
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m',
  'dpmpp_2m_cfg_pp',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_2m_sde_heun',
  'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
  'ddpm',
  'lcm',
  'ipndm',
  'ipndm_v',
  'deis',
  'res_multistep',
  'res_multistep_cfg_pp',
  'res_multistep_ancestral',
  'res_multistep_ancestral_cfg_pp',
  'gradient_estimation',
  'gradient_estimation_cfg_pp',
  'er_sde',
  'seeds_2',
  'seeds_3',
  'sa_solver',
  'sa_solver_pece',
  'ddim',
  'uni_pc',
  'uni_pc_bh2',
];

export const SCHEDULER_NAMES = [
  'simple',
  'sgm_uniform',
  'karras',
  'exponential',
  'ddim_uniform',
  'beta',
  'normal',
  'linear_quadratic',
  'kl_optimal',
];

export type InputSpec =
  | { kind: 'link'; type: string }
  | { kind: 'INT' | 'FLOAT'; min: number; max: number; default?: number }
  | { kind: 'STRING' }
  | { kind: 'COMBO'; options: () => string[] }
  | { kind: 'IMAGE_FILE' };

export interface NodeSpec {
  inputs: Record<string, InputSpec>;
  outputs: string[];
  outputNode?: boolean;
  category: string;
}

const MAX_RESOLUTION = 16384;
const link = (type: string): InputSpec => ({ kind: 'link', type });

export function nodeSpecs(): Record<string, NodeSpec> {
  return {
    CheckpointLoaderSimple: {
      inputs: { ckpt_name: { kind: 'COMBO', options: () => CHECKPOINTS } },
      outputs: ['MODEL', 'CLIP', 'VAE'],
      category: 'loaders',
    },
    CLIPTextEncode: {
      inputs: { text: { kind: 'STRING' }, clip: link('CLIP') },
      outputs: ['CONDITIONING'],
      category: 'conditioning',
    },
    EmptyLatentImage: {
      inputs: {
        width: { kind: 'INT', min: 16, max: MAX_RESOLUTION, default: 512 },
        height: { kind: 'INT', min: 16, max: MAX_RESOLUTION, default: 512 },
        batch_size: { kind: 'INT', min: 1, max: 4096, default: 1 },
      },
      outputs: ['LATENT'],
      category: 'latent',
    },
    KSampler: {
      inputs: {
        model: link('MODEL'),
        seed: { kind: 'INT', min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 },
        steps: { kind: 'INT', min: 1, max: 10000, default: 20 },
        cfg: { kind: 'FLOAT', min: 0, max: 100, default: 8 },
        sampler_name: { kind: 'COMBO', options: () => SAMPLER_NAMES },
        scheduler: { kind: 'COMBO', options: () => SCHEDULER_NAMES },
        positive: link('CONDITIONING'),
        negative: link('CONDITIONING'),
        latent_image: link('LATENT'),
        denoise: { kind: 'FLOAT', min: 0, max: 1, default: 1 },
      },
      outputs: ['LATENT'],
      category: 'sampling',
    },
    VAEDecode: {
      inputs: { samples: link('LATENT'), vae: link('VAE') },
      outputs: ['IMAGE'],
      category: 'latent',
    },
    VAEEncode: {
      inputs: { pixels: link('IMAGE'), vae: link('VAE') },
      outputs: ['LATENT'],
      category: 'latent',
    },
    SaveImage: {
      inputs: { images: link('IMAGE'), filename_prefix: { kind: 'STRING' } },
      outputs: [],
      outputNode: true,
      category: 'image',
    },
    PreviewImage: { inputs: { images: link('IMAGE') }, outputs: [], outputNode: true, category: 'image' },
    LoadImage: {
      inputs: { image: { kind: 'IMAGE_FILE' } },
      outputs: ['IMAGE', 'MASK'],
      category: 'image',
    },
    ImageScale: {
      inputs: {
        image: link('IMAGE'),
        upscale_method: {
          kind: 'COMBO',
          options: () => ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'],
        },
        width: { kind: 'INT', min: 0, max: MAX_RESOLUTION, default: 512 },
        height: { kind: 'INT', min: 0, max: MAX_RESOLUTION, default: 512 },
        crop: { kind: 'COMBO', options: () => ['disabled', 'center'] },
      },
      outputs: ['IMAGE'],
      category: 'image/upscaling',
    },
  };
}

/** GET /object_info/<Class> for one node, in ComfyUI's shape. */
export function objectInfo(
  name: string,
  spec: NodeSpec,
  inputFiles: () => string[],
): Record<string, unknown> {
  const required: Record<string, unknown> = {};
  for (const [input, s] of Object.entries(spec.inputs)) {
    if (s.kind === 'link') required[input] = [s.type, {}];
    else if (s.kind === 'COMBO') required[input] = [s.options(), { tooltip: input }];
    else if (s.kind === 'IMAGE_FILE')
      required[input] = [inputFiles().filter((f) => !f.includes('/')), { image_upload: true }];
    else if (s.kind === 'STRING') required[input] = ['STRING', { multiline: input === 'text' }];
    else
      required[input] = [
        s.kind,
        { default: s.default ?? 0, min: s.min, max: s.max, step: s.kind === 'INT' ? 1 : 0.01 },
      ];
  }
  return {
    input: { required },
    input_order: { required: Object.keys(spec.inputs) },
    output: spec.outputs,
    output_is_list: spec.outputs.map(() => false),
    output_name: spec.outputs,
    name,
    display_name: name,
    description: '',
    python_module: 'nodes',
    category: spec.category,
    output_node: spec.outputNode ?? false,
  };
}
