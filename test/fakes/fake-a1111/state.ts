/**
 * A1111's `shared.state` (modules/shared_state.py): one global record of the job holding the lock, which
 * /progress reads without taking the lock. Field names and the begin/nextjob/end transitions follow the
 * original, including the stale step fields it leaves behind when idle.
 */
export class SharedState {
  skipped = false;
  interrupted = false;
  stoppingGeneration = false;
  job = '';
  jobNo = 0;
  jobCount = 0;
  jobTimestamp = '0';
  samplingStep = 0;
  samplingSteps = 0;
  timeStart: number | null = null;
  currentImageSamplingStep = 0;
  hasCurrentImage = false;

  begin(job: string): void {
    this.samplingStep = 0;
    this.timeStart = Date.now();
    this.jobCount = -1;
    this.jobNo = 0;
    this.jobTimestamp = timestamp(new Date());
    this.hasCurrentImage = false;
    this.currentImageSamplingStep = 0;
    this.skipped = false;
    this.interrupted = false;
    this.stoppingGeneration = false;
    this.job = job;
  }

  nextjob(): void {
    this.jobNo += 1;
    this.samplingStep = 0;
    this.currentImageSamplingStep = 0;
  }

  end(): void {
    this.job = '';
    this.jobCount = 0;
  }

  interrupt(): void {
    this.interrupted = true;
  }

  skip(): void {
    this.skipped = true;
  }

  dict(): Record<string, unknown> {
    return {
      skipped: this.skipped,
      interrupted: this.interrupted,
      stopping_generation: this.stoppingGeneration,
      job: this.job,
      job_count: this.jobCount,
      job_timestamp: this.jobTimestamp,
      job_no: this.jobNo,
      sampling_step: this.samplingStep,
      sampling_steps: this.samplingSteps,
    };
  }
}

/** datetime.now().strftime("%Y%m%d%H%M%S") in local time, as A1111 stamps jobs. */
const p = (n: number) => String(n).padStart(2, '0');

export function timestamp(d: Date): string {
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export interface ProgressOptions {
  skipCurrentImage: boolean;
  livePreviews: boolean;
  everyNSteps: number;
  previewBase64: () => string;
}

/** modules/api/api.py `progressapi`, formulae included (the ETA is unclamped and may be odd; so is A1111's). */
export function progressResponse(state: SharedState, opts: ProgressOptions): Record<string, unknown> {
  if (state.jobCount === 0) {
    return { progress: 0, eta_relative: 0, state: state.dict(), current_image: null, textinfo: null };
  }
  let progress = 0.01;
  if (state.jobCount > 0) progress += state.jobNo / state.jobCount;
  if (state.samplingSteps > 0) progress += ((1 / state.jobCount) * state.samplingStep) / state.samplingSteps;
  const elapsed = (Date.now() - (state.timeStart ?? Date.now())) / 1000;
  const etaRelative = elapsed / progress - elapsed;
  progress = Math.min(progress, 1);
  // set_current_image(): a new preview only once enough steps have passed since the last one.
  if (
    opts.livePreviews &&
    opts.everyNSteps > 0 &&
    state.samplingStep - state.currentImageSamplingStep >= opts.everyNSteps
  ) {
    state.hasCurrentImage = true;
    state.currentImageSamplingStep = state.samplingStep;
  }
  const currentImage = state.hasCurrentImage && !opts.skipCurrentImage ? opts.previewBase64() : null;
  return {
    progress,
    eta_relative: etaRelative,
    state: state.dict(),
    current_image: currentImage,
    textinfo: null,
  };
}
