import type { ValidationIssue } from './pydantic.js';

/**
 * The three error shapes A1111 answers with (reference §3). `ApiError` is anything raised inside A1111's
 * handlers: its middleware turns it into `{error, detail, body, errors}` with the exception's status or 500.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${JSON.stringify(body)}`);
  }
}

/** A FastAPI HTTPException raised by A1111; `errors` is "" with the Starlette version 1.10 ships. */
export function httpException(status: number, detail: string, headers?: Record<string, string>): ApiError {
  return new ApiError(status, { error: 'HTTPException', detail, body: '', errors: '' }, headers);
}

/** Any other Python exception: class name plus str(e), status 500. */
export function pythonException(errorClass: string, message: string): ApiError {
  return new ApiError(500, { error: errorClass, detail: '', body: '', errors: message });
}

/** str(KeyError('x')) is the repr of the key. */
export function keyError(key: string): ApiError {
  return pythonException('KeyError', `'${key}'`);
}

export const OOM_MESSAGE =
  'CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 7.79 GiB total capacity; 5.62 GiB already allocated; ' +
  '1.12 GiB free; 5.87 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory try setting ' +
  'max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF';

export const ILLEGAL_ACCESS_MESSAGE =
  'CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be asynchronously reported at ' +
  'some other API call, so the stacktrace below might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1.';

export function oomError(): ApiError {
  return pythonException('OutOfMemoryError', OOM_MESSAGE);
}

/** FastAPI's RequestValidationError: a plain `{detail:[...]}`, untouched by A1111's middleware. */
export function validationError(issues: ValidationIssue[]): ApiError {
  return new ApiError(422, { detail: issues });
}

/** Starlette's own 404/405 for a route that does not exist (A1111's handler only sees FastAPI's subclass). */
export function routeError(status: 404 | 405, allow?: string): ApiError {
  return new ApiError(
    status,
    { detail: status === 404 ? 'Not Found' : 'Method Not Allowed' },
    allow ? { allow } : {},
  );
}
