/** One line of the final summary: a quality bar from DESIGN.md and what this run measured. */
export interface QualityCheck {
  bar: string;
  target: string;
  measured: string;
  /** Undefined when the run could not measure it. */
  met: boolean | undefined;
}

/** A benchmark run by bench/run.ts: prints its own tables and returns the quality bars it measured. */
export interface Benchmark {
  name: string;
  description: string;
  run: () => Promise<QualityCheck[]>;
}
