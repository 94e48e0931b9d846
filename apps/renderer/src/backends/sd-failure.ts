/**
 * How a call to Stable Diffusion went wrong, in the terms the retry policy decides on:
 * - unreachable: the request never reached SD (refused, no route, connect timeout), so SD did no work;
 * - setup: SD answers but refuses us for a reason of its set-up (credentials, API not enabled): no job can
 *   succeed until the host fixes it, so the queue waits with that reason;
 * - timeout: our job ran on SD longer than the read timeout (hanging or far too slow);
 * - reset: the connection dropped mid-request;
 * - server: SD answered 5xx (out of memory, NaNs, CUDA faults) or a 200 that holds no image;
 * - rejected: SD refused this job (validation, unknown sampler or model): the same request would fail again;
 * - invalid-output: SD answered with something that is not an image we can store;
 * - cancelled: we aborted the request ourselves.
 */
export type SdFailureKind =
  'unreachable' | 'setup' | 'timeout' | 'reset' | 'server' | 'rejected' | 'invalid-output' | 'cancelled';

export class SdFailure extends Error {
  constructor(
    readonly kind: SdFailureKind,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'SdFailure';
  }
}

export function asSdFailure(error: unknown): SdFailure {
  if (error instanceof SdFailure) return error;
  // Anything else is our own bug or an unforeseen library error: retry it like a server fault so one oddity does
  // not fail a job outright, while the attempt limit still bounds it.
  const message = error instanceof Error ? error.message : String(error);
  return new SdFailure('server', `Unexpected error while rendering: ${message}`);
}
