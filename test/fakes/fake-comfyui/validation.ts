import type { NodeSpec } from './nodes.js';

/**
 * POST /prompt's validation (execution.py validate_prompt / validate_inputs, reference §1): node classes,
 * outputs, then each output node and what it depends on: required inputs, links (string ids, matching
 * types), Python-style conversions, min/max (never step), option lists, LoadImage's file.
 */

export interface ComfyError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export type Workflow = Record<string, { class_type?: unknown; inputs?: Record<string, unknown> }>;

export type Validation =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, unknown> }
  | { ok: false; error: ComfyError; nodeErrors: Record<string, unknown> };

const err = (
  type: string,
  message: string,
  details = '',
  extra: Record<string, unknown> = {},
): ComfyError => ({
  type,
  message,
  details,
  extra_info: extra,
});

export function validatePrompt(
  prompt: Workflow,
  specs: Record<string, NodeSpec>,
  hasInputFile: (name: string) => boolean,
): Validation {
  for (const [id, node] of Object.entries(prompt)) {
    if (typeof node?.class_type !== 'string') {
      return {
        ok: false,
        error: err(
          'invalid_prompt',
          'Cannot execute because a node is missing the class_type property.',
          `Node ID '#${id}'`,
        ),
        nodeErrors: {},
      };
    }
    if (!specs[node.class_type]) {
      return {
        ok: false,
        error: err(
          'invalid_prompt',
          `Cannot execute because node ${node.class_type} does not exist.`,
          `Node ID '#${id}'`,
        ),
        nodeErrors: {},
      };
    }
  }
  const outputs = Object.keys(prompt).filter((id) => specs[prompt[id]!.class_type as string]!.outputNode);
  if (outputs.length === 0)
    return { ok: false, error: err('prompt_no_outputs', 'Prompt has no outputs'), nodeErrors: {} };

  const errorsByNode = new Map<string, ComfyError[]>();
  const checked = new Map<string, boolean>();
  const visit = (id: string): boolean => {
    if (checked.has(id)) return checked.get(id)!;
    checked.set(id, true);
    const node = prompt[id]!;
    const spec = specs[node.class_type as string]!;
    const inputs = node.inputs ?? {};
    const errors: ComfyError[] = [];
    let valid = true;
    for (const [name, input] of Object.entries(spec.inputs)) {
      const value = inputs[name];
      const extra = { input_name: name, received_value: value };
      if (value === undefined) {
        errors.push(err('required_input_missing', 'Required input is missing', name, { input_name: name }));
        continue;
      }
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push(
            err(
              'bad_linked_input',
              'Bad linked input, must be a length-2 list of [node_id, slot_index]',
              name,
              extra,
            ),
          );
          continue;
        }
        const [source, slot] = value as [unknown, unknown];
        const from = typeof source === 'string' ? prompt[source] : undefined;
        if (!from) {
          errors.push(
            err(
              'exception_during_inner_validation',
              'Exception when validating inner node',
              `'${String(source)}'`,
              extra,
            ),
          );
          continue;
        }
        const type = specs[from.class_type as string]?.outputs[Number(slot)];
        if (type === undefined) {
          errors.push(
            err(
              'exception_during_inner_validation',
              'Exception when validating inner node',
              'tuple index out of range',
              extra,
            ),
          );
          continue;
        }
        if (input.kind === 'link' && type !== input.type) {
          errors.push(
            err(
              'return_type_mismatch',
              'Return type mismatch between linked nodes',
              `${name}, received_type(${type}) mismatch input_type(${input.type})`,
              extra,
            ),
          );
          continue;
        }
        if (!visit(source as string)) valid = false;
        continue;
      }
      if (input.kind === 'link') {
        errors.push(
          err(
            'bad_linked_input',
            'Bad linked input, must be a length-2 list of [node_id, slot_index]',
            name,
            extra,
          ),
        );
        continue;
      }
      if (input.kind === 'INT' || input.kind === 'FLOAT') {
        const number = Number(value);
        if (typeof value === 'object' || value === '' || !Number.isFinite(number)) {
          errors.push(
            err(
              'invalid_input_type',
              `Failed to convert an input value to a ${input.kind} value`,
              `${name}, ${String(value)}, invalid literal`,
              extra,
            ),
          );
          continue;
        }
        const converted = input.kind === 'INT' ? Math.trunc(number) : number;
        inputs[name] = converted;
        if (converted < input.min) {
          errors.push(
            err('value_smaller_than_min', `Value ${converted} smaller than min of ${input.min}`, name, extra),
          );
        } else if (converted > input.max) {
          errors.push(
            err('value_bigger_than_max', `Value ${converted} bigger than max of ${input.max}`, name, extra),
          );
        }
        continue;
      }
      if (input.kind === 'STRING') {
        inputs[name] = value === null ? 'None' : String(value);
        continue;
      }
      if (input.kind === 'COMBO') {
        const options = input.options();
        if (!options.includes(value as string)) {
          const shown =
            options.length > 20
              ? `(list of length ${options.length})`
              : `[${options.map((o) => `'${o}'`).join(', ')}]`;
          errors.push(
            err(
              'value_not_in_list',
              'Value not in list',
              `${name}: '${String(value)}' not in ${shown}`,
              extra,
            ),
          );
        }
        continue;
      }
      if (input.kind === 'IMAGE_FILE' && !hasInputFile(String(value))) {
        errors.push(
          err(
            'custom_validation_failed',
            'Custom validation failed for node',
            `image - Invalid image file: ${String(value)}`,
            extra,
          ),
        );
      }
    }
    if (errors.length > 0) {
      errorsByNode.set(id, errors);
      valid = false;
    }
    checked.set(id, valid);
    return valid;
  };

  const good: string[] = [];
  const dependents = new Map<string, string[]>();
  for (const output of outputs) {
    const before = new Set(errorsByNode.keys());
    if (visit(output)) good.push(output);
    for (const id of errorsByNode.keys()) {
      if (!before.has(id) || !dependents.has(id)) dependents.set(id, [...(dependents.get(id) ?? []), output]);
    }
  }
  const nodeErrors: Record<string, unknown> = {};
  for (const [id, errors] of errorsByNode) {
    nodeErrors[id] = {
      errors,
      dependent_outputs: dependents.get(id) ?? [],
      class_type: prompt[id]!.class_type,
    };
  }
  if (good.length === 0) {
    return {
      ok: false,
      error: err('prompt_outputs_failed_validation', 'Prompt outputs failed validation'),
      nodeErrors,
    };
  }
  return { ok: true, outputs: good, nodeErrors };
}
