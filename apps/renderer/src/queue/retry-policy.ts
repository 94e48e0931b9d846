import type { SdFailureKind } from '../backends/sd-failure.js';

/** Longest pause between two attempts of one job. */
export const RETRY_CAP_MS = 30_000;
/**
 * Longest pause between two probes while SD is unreachable. Shorter than the retry cap because a probe is a cheap
 * GET and the party is waiting: once SD is back, the queue should notice within seconds.
 */
export const PROBE_CAP_MS = 10_000;

export interface RetrySettings {
  maxAttempts: number;
  baseMs: number;
}

export type RetryDecision =
  { action: 'retry'; delayMs: number } | { action: 'wait-for-sd' } | { action: 'fail' };

/**
 * Decides what to do after attempt number `attempt` (1-based) of a job failed.
 *
 * - unreachable → wait for SD, without counting the attempt. SD did no work, so nothing about this job is
 *   suspect; if refused connections counted, a five-minute SD restart would fail every job it touched. The queue
 *   pauses itself and probes SD, and the same job goes first once SD answers.
 * - setup (401/403, API not enabled) → wait as for unreachable, with the reason on the host's panel: every job
 *   would fail the same way until the host fixes SD's flags or SD_AUTH, so failing them all helps nobody.
 * - timeout / reset / server (5xx) → retry with exponential backoff until maxAttempts: SD received the job and
 *   something went wrong doing it, which may be transient (OOM after a big image, a restart mid-job) or may be the
 *   job itself, so the attempt counts and the job eventually fails visibly instead of blocking the queue.
 * - rejected (4xx, 422) / invalid-output / cancelled → fail at once: the same request would fail the same way.
 *
 * No jitter: one renderer feeds one SD server, so there is no herd of clients to spread out, and deterministic
 * delays keep the behaviour easy to read in the logs and to test.
 */
export function decideRetry(kind: SdFailureKind, attempt: number, settings: RetrySettings): RetryDecision {
  switch (kind) {
    case 'unreachable':
    case 'setup':
      return { action: 'wait-for-sd' };
    case 'timeout':
    case 'reset':
    case 'server':
      if (attempt >= settings.maxAttempts) return { action: 'fail' };
      return { action: 'retry', delayMs: backoffDelay(attempt, settings.baseMs, RETRY_CAP_MS) };
    case 'rejected':
    case 'invalid-output':
    case 'cancelled':
      return { action: 'fail' };
  }
}

/** base × 2^(n−1), capped: n = 1 → base, 2 → 2·base, 3 → 4·base, … */
export function backoffDelay(n: number, baseMs: number, capMs: number): number {
  const exponent = Math.min(Math.max(n - 1, 0), 30);
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/** Delay before the n-th probe of an unreachable SD server. */
export function probeDelay(n: number, baseMs: number): number {
  return backoffDelay(n, baseMs, Math.max(PROBE_CAP_MS, baseMs));
}
