import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { comfyFailure, describeValidationError, executionFailure } from './comfy-errors.js';

function httpError(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError('failed', 'ERR_BAD_RESPONSE', config, null, {
    status,
    statusText: '',
    headers: {},
    config,
    data,
  });
}
const context = { sdUrl: 'http://gpu:8188', path: '/prompt' };

describe('ComfyUI failures', () => {
  it("a 400 from /prompt is the workflow's fault, with each node's errors", () => {
    const failure = comfyFailure(
      httpError(400, {
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
        },
        node_errors: {
          '4': {
            class_type: 'CheckpointLoaderSimple',
            errors: [{ message: 'Value not in list', details: "ckpt_name: 'x' not in ['a']" }],
          },
        },
      }),
      context,
    );
    expect(failure).toMatchObject({ kind: 'rejected', httpStatus: 400 });
    expect(failure.message).toBe(
      "ComfyUI refused the workflow: Prompt outputs failed validation; CheckpointLoaderSimple #4: Value not in list: ckpt_name: 'x' not in ['a']",
    );
    expect(describeValidationError('nonsense')).toBe('ComfyUI refused the workflow (400)');
  });

  it('set-up problems hold the queue; 5xx is retried', () => {
    expect(
      comfyFailure(httpError(404, '404: Not Found'), { ...context, path: '/object_info/KSampler' }),
    ).toMatchObject({
      kind: 'setup',
    });
    expect(comfyFailure(httpError(401, ''), context).kind).toBe('setup');
    expect(comfyFailure(httpError(500, '500 Internal Server Error'), context).kind).toBe('server');
  });

  it('execution errors: out of memory is retried, a picture it cannot read is not', () => {
    const oom = executionFailure({
      exception_type: 'torch.OutOfMemoryError',
      exception_message: 'Allocation on device \nThis error means you ran out of memory on your GPU.',
      node_type: 'KSampler',
    });
    expect(oom).toMatchObject({ kind: 'server' });
    expect(oom.message).toBe(
      'ComfyUI ran out of memory in KSampler (Allocation on device); try a smaller size',
    );
    expect(
      executionFailure({
        exception_type: 'PIL.UnidentifiedImageError',
        exception_message: "cannot identify image file 'x'\n",
        node_type: 'LoadImage',
      }),
    ).toMatchObject({
      kind: 'rejected',
      message: "ComfyUI failed in LoadImage: PIL.UnidentifiedImageError: cannot identify image file 'x'",
    });
  });
});
