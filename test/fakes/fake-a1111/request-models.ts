import type { FieldSpec, FieldKind } from './pydantic.js';

/**
 * The request models of /sdapi/v1/txt2img and /img2img in A1111 v1.10, in declaration order (the
 * `parameters` echo keeps this order). A1111 generates them from the processing dataclasses, so each field
 * is Optional with the dataclass default.
 */

type Row = [name: string, kind: FieldKind, dflt: unknown];

const fields = (rows: Row[]): FieldSpec[] =>
  rows.map(([name, kind, dflt]) => ({ name, kind, default: dflt }));

const COMMON_HEAD: Row[] = [
  ['prompt', 'str', ''],
  ['negative_prompt', 'str', ''],
  ['styles', 'strList', null],
  ['seed', 'int', -1],
  ['subseed', 'int', -1],
  ['subseed_strength', 'float', 0],
  ['seed_resize_from_h', 'int', -1],
  ['seed_resize_from_w', 'int', -1],
  ['sampler_name', 'str', null],
  ['scheduler', 'str', null],
  ['batch_size', 'int', 1],
  ['n_iter', 'int', 1],
  ['steps', 'int', 50],
  ['cfg_scale', 'float', 7.0],
  ['width', 'int', 512],
  ['height', 'int', 512],
  ['restore_faces', 'bool', null],
  ['tiling', 'bool', null],
  ['do_not_save_samples', 'bool', false],
  ['do_not_save_grid', 'bool', false],
  ['eta', 'float', null],
  ['denoising_strength', 'float', 0.75],
  ['s_min_uncond', 'float', null],
  ['s_churn', 'float', null],
  ['s_tmax', 'float', null],
  ['s_tmin', 'float', null],
  ['s_noise', 'float', null],
  ['override_settings', 'dict', null],
  ['override_settings_restore_afterwards', 'bool', true],
  ['refiner_checkpoint', 'str', null],
  ['refiner_switch_at', 'float', null],
  ['disable_extra_networks', 'bool', false],
  ['firstpass_image', 'str', null],
  ['comments', 'dict', null],
];

const API_TAIL: Row[] = [
  ['force_task_id', 'str', null],
  ['sampler_index', 'str', 'Euler'],
  ['script_name', 'str', null],
  ['script_args', 'list', []],
  ['send_images', 'bool', true],
  ['save_images', 'bool', false],
  ['alwayson_scripts', 'dict', {}],
  ['infotext', 'str', null],
];

export const TXT2IMG_FIELDS: readonly FieldSpec[] = fields([
  ...COMMON_HEAD,
  ['enable_hr', 'bool', false],
  ['firstphase_width', 'int', 0],
  ['firstphase_height', 'int', 0],
  ['hr_scale', 'float', 2.0],
  ['hr_upscaler', 'str', null],
  ['hr_second_pass_steps', 'int', 0],
  ['hr_resize_x', 'int', 0],
  ['hr_resize_y', 'int', 0],
  ['hr_checkpoint_name', 'str', null],
  ['hr_sampler_name', 'str', null],
  ['hr_scheduler', 'str', null],
  ['hr_prompt', 'str', ''],
  ['hr_negative_prompt', 'str', ''],
  ...API_TAIL,
]);

export const IMG2IMG_FIELDS: readonly FieldSpec[] = fields([
  ...COMMON_HEAD,
  ['init_images', 'list', null],
  ['resize_mode', 'int', 0],
  ['image_cfg_scale', 'float', null],
  ['mask', 'str', null],
  ['mask_blur_x', 'int', 4],
  ['mask_blur_y', 'int', 4],
  ['mask_blur', 'int', null],
  ['mask_round', 'bool', true],
  ['inpainting_fill', 'int', 0],
  ['inpaint_full_res', 'bool', true],
  ['inpaint_full_res_padding', 'int', 0],
  ['inpainting_mask_invert', 'int', 0],
  ['initial_noise_multiplier', 'float', null],
  ['latent_mask', 'str', null],
  ...API_TAIL.slice(0, 6),
  ['include_init_images', 'bool', false],
  ...API_TAIL.slice(6),
]);
