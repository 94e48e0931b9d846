import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { SD_CONNECT_TIMEOUT_CODE, describeSdHttpError, toSdFailure } from './a1111-errors.js';

const context = { sdUrl: 'http://gpu:7860', readTimeoutMs: 600_000 };

function httpError(status: number, data: unknown): AxiosError {
  return new AxiosError('Request failed', 'ERR_BAD_RESPONSE', undefined, undefined, {
    status,
    statusText: '',
    data,
    headers: {},
    config: { headers: new AxiosHeaders() },
  });
}

function networkError(code: string, message = code): AxiosError {
  return new AxiosError(message, code);
}

describe('describeSdHttpError', () => {
  it('names an out-of-memory 500 and quotes A1111', () => {
    const body = {
      error: 'OutOfMemoryError',
      detail: '',
      body: '',
      errors: 'CUDA out of memory. Tried to allocate 2.00 GiB',
    };
    expect(describeSdHttpError(500, body)).toBe(
      'Stable Diffusion ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB); try a smaller size',
    );
  });

  it('summarises a FastAPI 422 detail list', () => {
    const body = {
      detail: [
        { loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' },
        { loc: ['body', 'steps'], msg: 'ensure this value is greater than 0', type: 'value_error' },
      ],
    };
    expect(describeSdHttpError(422, body)).toBe(
      'Stable Diffusion rejected the request (422): width: value is not a valid integer; steps: ensure this value is greater than 0',
    );
  });

  it('reads a JSON body that arrived as a string, and other A1111 exceptions', () => {
    const body = JSON.stringify({
      error: 'RuntimeError',
      detail: '',
      body: '',
      errors: 'CUDA error: an illegal memory access',
    });
    expect(describeSdHttpError(500, body)).toBe(
      'Stable Diffusion failed (500 RuntimeError: CUDA error: an illegal memory access)',
    );
    expect(describeSdHttpError(422, { error: 'HTTPException', detail: "Script 'x' not found" })).toBe(
      "Stable Diffusion failed (422 HTTPException: Script 'x' not found)",
    );
  });

  it('points at the likely cause of 401 and 404', () => {
    expect(describeSdHttpError(401, { detail: 'Incorrect username or password' })).toBe(
      'Stable Diffusion refused our credentials: check SD_AUTH (401 Incorrect username or password)',
    );
    expect(describeSdHttpError(404, { detail: 'Not Found' })).toContain('--api');
  });

  it('quotes the text of an HTML proxy page', () => {
    expect(describeSdHttpError(504, '<html><body><h1>504 Gateway Time-out</h1></body></html>')).toBe(
      'Stable Diffusion answered HTTP 504: 504 Gateway Time-out',
    );
  });
});

describe('toSdFailure', () => {
  it('classifies HTTP answers by status', () => {
    expect(
      toSdFailure(httpError(500, { error: 'OutOfMemoryError', errors: 'CUDA out of memory' }), context),
    ).toMatchObject({
      kind: 'server',
      httpStatus: 500,
    });
    expect(toSdFailure(httpError(503, 'busy'), context).kind).toBe('server');
    expect(toSdFailure(httpError(422, { detail: [] }), context).kind).toBe('rejected');
    expect(
      toSdFailure(httpError(404, { error: 'HTTPException', detail: 'Sampler not found' }), context).kind,
    ).toBe('rejected');
  });

  it('holds the queue on set-up problems: refused credentials, API off', () => {
    expect(toSdFailure(httpError(401, { detail: 'Not authenticated' }), context).kind).toBe('setup');
    expect(toSdFailure(httpError(403, { detail: 'Forbidden' }), context).kind).toBe('setup');
    const apiOff = toSdFailure(httpError(404, { detail: 'Not Found' }), context);
    expect(apiOff).toMatchObject({ kind: 'setup', httpStatus: 404 });
    expect(apiOff.message).toContain('its API is off: start it with --api');
  });

  it('does not retry an init image SD cannot decode', () => {
    const bad = httpError(500, {
      error: 'HTTPException',
      detail: 'Invalid encoded image',
      body: '',
      errors: '',
    });
    expect(toSdFailure(bad, context)).toMatchObject({ kind: 'rejected', httpStatus: 500 });
  });

  it('treats refused and timed-out connections as unreachable', () => {
    const refused = toSdFailure(networkError('ECONNREFUSED'), context);
    expect(refused.kind).toBe('unreachable');
    expect(refused.message).toBe('Stable Diffusion is unreachable at http://gpu:7860 (connection refused)');
    expect(toSdFailure(networkError(SD_CONNECT_TIMEOUT_CODE), context).kind).toBe('unreachable');
    expect(toSdFailure(networkError('ENOTFOUND'), context).kind).toBe('unreachable');
    expect(toSdFailure(networkError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:7860'), context).kind).toBe(
      'unreachable',
    );
  });

  it('tells a read timeout from a reset and from our own cancel', () => {
    const timeout = toSdFailure(networkError('ECONNABORTED', 'timeout of 600000ms exceeded'), context);
    expect(timeout.kind).toBe('timeout');
    expect(timeout.message).toBe('Stable Diffusion did not answer within 600 s (read timeout)');
    expect(toSdFailure(networkError('ECONNRESET', 'socket hang up'), context).kind).toBe('reset');
    expect(toSdFailure(networkError('ERR_CANCELED', 'canceled'), context).kind).toBe('cancelled');
  });
});
