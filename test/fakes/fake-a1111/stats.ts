import type { FakeStats, JobOutcome, JobSpan } from './types.js';

const SPAN_LIMIT = 1000;

/** Counts what benchmarks need: how long the "GPU" (the lock) was busy, and every holder's span. */
export class StatsTracker {
  private generations = 0;
  private busyMs = 0;
  private firstStartAt: number | null = null;
  private lastEndAt: number | null = null;
  private interrupts = 0;
  private interruptedGenerations = 0;
  private failures = 0;
  private idleResets = 0;
  private previewDecodes = 0;
  private current: { kind: JobSpan['kind']; startAt: number } | null = null;
  private readonly spans: JobSpan[] = [];

  lockTaken(kind: JobSpan['kind']): void {
    const now = Date.now();
    this.current = { kind, startAt: now };
    this.firstStartAt ??= now;
    if (kind !== 'model-switch') this.generations += 1;
  }

  lockReleased(outcome: JobOutcome): void {
    if (!this.current) return;
    const now = Date.now();
    this.busyMs += now - this.current.startAt;
    this.lastEndAt = now;
    if (outcome === 'interrupted') this.interruptedGenerations += 1;
    if (outcome === 'failed' || outcome === 'reset') this.failures += 1;
    this.spans.push({ ...this.current, endAt: now, outcome });
    if (this.spans.length > SPAN_LIMIT) this.spans.shift();
    this.current = null;
  }

  previewDecoded(): void {
    this.previewDecodes += 1;
  }

  idleReset(): void {
    this.idleResets += 1;
  }

  interruptReceived(): void {
    this.interrupts += 1;
  }

  snapshot(waiting: number): FakeStats {
    const running = this.current !== null;
    return {
      idleResets: this.idleResets,
      previewDecodes: this.previewDecodes,
      generations: this.generations,
      busyMs: this.busyMs + (this.current ? Date.now() - this.current.startAt : 0),
      firstStartAt: this.firstStartAt,
      lastEndAt: this.lastEndAt,
      interrupts: this.interrupts,
      interruptedGenerations: this.interruptedGenerations,
      failures: this.failures,
      waiting,
      running,
      jobs: this.spans.map((s) => ({ ...s })),
    };
  }

  /** Forgets history; a job running now keeps counting from the moment of the reset. */
  clear(): void {
    this.generations = 0;
    this.busyMs = 0;
    this.firstStartAt = null;
    this.lastEndAt = null;
    this.interrupts = 0;
    this.interruptedGenerations = 0;
    this.failures = 0;
    this.idleResets = 0;
    this.previewDecodes = 0;
    this.spans.length = 0;
    if (this.current) {
      this.current.startAt = Date.now();
      this.firstStartAt = this.current.startAt;
    }
  }
}
