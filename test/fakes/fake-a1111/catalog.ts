/**
 * Static data the fake serves, copied in shape (and, where public, in value) from A1111 v1.10:
 * the checkpoint list, samplers, schedulers and the settings a client is likely to read or override.
 */

export const A1111_VERSION = 'v1.10.1';

export interface Checkpoint {
  title: string;
  model_name: string;
  hash: string;
  sha256: string;
  filename: string;
  config: null;
}

const MODELS_DIR = '/stable-diffusion-webui/models/Stable-diffusion';

function checkpoint(file: string, sha256: string): Checkpoint {
  const hash = sha256.slice(0, 10);
  return {
    title: `${file} [${hash}]`,
    model_name: file.replace(/\.(safetensors|ckpt)$/, ''),
    hash,
    sha256,
    filename: `${MODELS_DIR}/${file}`,
    config: null,
  };
}

export const CHECKPOINTS: readonly Checkpoint[] = [
  checkpoint(
    'v1-5-pruned-emaonly.safetensors',
    '6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa',
  ),
  checkpoint(
    'sd_xl_base_1.0.safetensors',
    '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b',
  ),
];

/** A1111 accepts a checkpoint by title, file name, model name, short hash or sha256 (`checkpoint_aliases`). */
export function findCheckpoint(name: string): Checkpoint | undefined {
  return CHECKPOINTS.find(
    (c) =>
      name === c.title ||
      name === c.filename ||
      name === c.filename.slice(MODELS_DIR.length + 1) ||
      name === c.model_name ||
      name === c.hash ||
      name === c.sha256,
  );
}

export interface Sampler {
  name: string;
  aliases: string[];
  options: Record<string, string | boolean>;
}

function sampler(name: string, aliases: string[], options: Record<string, string | boolean> = {}): Sampler {
  return { name, aliases, options };
}

/** In A1111's order: the first one is the fallback for unknown names since 1.9. */
export const SAMPLERS: readonly Sampler[] = [
  sampler('DPM++ 2M', ['k_dpmpp_2m'], { scheduler: 'karras' }),
  sampler('DPM++ SDE', ['k_dpmpp_sde'], { scheduler: 'karras', second_order: true, brownian_noise: true }),
  sampler('DPM++ 2M SDE', ['k_dpmpp_2m_sde'], { scheduler: 'exponential', brownian_noise: true }),
  sampler('DPM++ 2M SDE Heun', ['k_dpmpp_2m_sde_heun'], {
    scheduler: 'exponential',
    brownian_noise: true,
    solver_type: 'heun',
  }),
  sampler('DPM++ 2S a', ['k_dpmpp_2s_a'], { scheduler: 'karras', uses_ensd: true, second_order: true }),
  sampler('DPM++ 3M SDE', ['k_dpmpp_3m_sde'], {
    scheduler: 'exponential',
    discard_next_to_last_sigma: true,
    brownian_noise: true,
  }),
  sampler('Euler a', ['k_euler_a', 'k_euler_ancestral'], { uses_ensd: true }),
  sampler('Euler', ['k_euler']),
  sampler('LMS', ['k_lms']),
  sampler('Heun', ['k_heun'], { second_order: true }),
  sampler('DPM2', ['k_dpm_2'], { discard_next_to_last_sigma: true, second_order: true }),
  sampler('DPM2 a', ['k_dpm_2_a'], { discard_next_to_last_sigma: true, uses_ensd: true, second_order: true }),
  sampler('DPM fast', ['k_dpm_fast'], { uses_ensd: true }),
  sampler('DPM adaptive', ['k_dpm_ad'], { uses_ensd: true }),
  sampler('Restart', ['restart'], { scheduler: 'karras', second_order: true }),
  sampler('DDIM', ['ddim']),
  sampler('DDIM CFG++', ['ddim_cfgpp']),
  sampler('PLMS', ['plms']),
  sampler('UniPC', ['unipc']),
  sampler('LCM', ['k_lcm']),
];

export interface Scheduler {
  name: string;
  label: string;
  aliases: string[] | null;
  default_rho: number;
  need_inner_model: boolean;
}

function scheduler(name: string, label: string, extra: Partial<Scheduler> = {}): Scheduler {
  return { name, label, aliases: null, default_rho: -1, need_inner_model: false, ...extra };
}

export const SCHEDULERS: readonly Scheduler[] = [
  scheduler('automatic', 'Automatic'),
  scheduler('uniform', 'Uniform', { need_inner_model: true }),
  scheduler('karras', 'Karras', { default_rho: 7.0 }),
  scheduler('exponential', 'Exponential'),
  scheduler('polyexponential', 'Polyexponential', { default_rho: 1.0 }),
  scheduler('sgm_uniform', 'SGM Uniform', { aliases: ['SGMUniform'], need_inner_model: true }),
  scheduler('kl_optimal', 'KL Optimal'),
  scheduler('align_your_steps', 'Align Your Steps'),
  scheduler('simple', 'Simple'),
  scheduler('normal', 'Normal', { need_inner_model: true }),
  scheduler('ddim', 'DDIM', { need_inner_model: true }),
  scheduler('beta', 'Beta'),
];

/** The settings the fake knows. A key outside this list is a KeyError, as it is for A1111's own list. */
export function defaultOptions(samplesFormat: string): Record<string, unknown> {
  return {
    samples_save: true,
    samples_format: samplesFormat,
    samples_filename_pattern: '',
    save_images_add_number: true,
    grid_save: true,
    grid_format: 'png',
    return_grid: true,
    n_rows: -1,
    jpeg_quality: 80,
    webp_lossless: false,
    enable_pnginfo: true,
    outdir_samples: '',
    outdir_txt2img_samples: 'outputs/txt2img-images',
    outdir_img2img_samples: 'outputs/img2img-images',
    sd_model_checkpoint: CHECKPOINTS[0]!.title,
    sd_checkpoints_limit: 1,
    sd_vae: 'Automatic',
    sd_vae_overrides_per_model_preferences: true,
    CLIP_stop_at_last_layers: 1,
    eta_noise_seed_delta: 0,
    randn_source: 'GPU',
    img2img_fix_steps: false,
    initial_noise_multiplier: 1.0,
    eta_ancestral: 1.0,
    s_churn: 0.0,
    s_tmin: 0.0,
    s_tmax: 0.0,
    s_noise: 1.0,
    face_restoration: false,
    face_restoration_model: 'CodeFormer',
    code_former_weight: 0.5,
    live_previews_enable: true,
    show_progress_every_n_steps: 10,
    show_progress_type: 'Approx NN',
    add_model_hash_to_info: true,
    add_model_name_to_info: true,
    add_version_to_infotext: true,
    api_enable_requests: true,
    api_forbid_local_requests: true,
    api_useragent: '',
    token_merging_ratio: 0.0,
  };
}

/** SD.Next's diffusers samplers (modules/sd_samplers_diffusers.py, 2025-03): no "Karras" variants, no schedulers. */
export const SDNEXT_SAMPLERS: readonly Sampler[] = [
  'Default',
  'UniPC',
  'DDIM',
  'Euler',
  'Euler a',
  'Euler SGM',
  'Euler EDM',
  'Euler FlowMatch',
  'DPM++',
  'DPM++ 2M',
  'DPM++ 3M',
  'DPM++ 1S',
  'DPM++ SDE',
  'DPM++ 2M SDE',
  'DPM++ 2M EDM',
  'DPM++ Cosine',
  'DPM SDE',
  'Heun',
  'DEIS',
  'SA Solver',
  'DC Solver',
  'PNDM',
  'IPNDM',
  'DDPM',
  'LMSD',
  'KDPM2',
  'KDPM2 a',
  'LCM',
  'TCD',
].map((name) => sampler(name, []));

/** Forge's own hidden settings (modules_forge/shared_options.py), present in its GET /options. */
export const FORGE_OPTIONS: Record<string, unknown> = {
  forge_unet_storage_dtype: 'Automatic',
  forge_inference_memory: 1024,
  forge_async_loading: 'Queue',
  forge_pin_shared_memory: 'CPU',
  forge_preset: 'sd',
  forge_additional_modules: [],
};
