import type { RenderJob, RenderPhase } from '#contracts';

/** The job being worked on: in flight on SD, backing off before a retry, or waiting for SD to come back. */
export interface ActiveJob {
  readonly job: RenderJob;
  readonly startedAt: Date;
  /** Attempts that reached SD (or are reaching it now). Attempts refused before reaching SD are not counted. */
  attempt: number;
  percent: number;
  etaSeconds: number | null;
  phase: RenderPhase;
  inFlight: boolean;
  waitingForSd: boolean;
  cancelled: boolean;
  /** Whether the gateway has been told that this job started. */
  announced: boolean;
  /** Aborted on cancel and on shutdown: ends the SD call, a backoff pause or the wait for SD at once. */
  readonly abort: AbortController;
}

export function activate(job: RenderJob, now = new Date()): ActiveJob {
  return {
    job,
    startedAt: now,
    attempt: 0,
    percent: 0,
    etaSeconds: null,
    phase: 'waiting',
    inFlight: false,
    waitingForSd: false,
    cancelled: false,
    announced: false,
    abort: new AbortController(),
  };
}
