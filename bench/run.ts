import 'reflect-metadata';
import { cpus } from 'node:os';
import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { printTable } from './lib/table.js';
import { httpBenchmark } from './http.bench.js';
import { identifyBenchmark } from './identify.bench.js';
import { orderBenchmark } from './order.bench.js';
import { gpusBenchmark } from './gpus.bench.js';
import { busyBenchmark, pipelineBenchmark } from './pipeline.bench.js';
import { rendererMemoryBenchmark } from './renderer-memory.bench.js';

/**
 * `npm run bench` runs every benchmark in order; `node dist/bench/run.js NAME…` runs the named ones.
 * Figures are informational: a missed target is reported, never turned into a failing exit code.
 * To add a benchmark, append it here. BENCH_CPU_PROF_DIR=dir makes each server under test (child process)
 * write a V8 CPU profile there.
 */
const BENCHMARKS: Benchmark[] = [
  identifyBenchmark,
  httpBenchmark,
  pipelineBenchmark,
  busyBenchmark,
  gpusBenchmark,
  orderBenchmark,
  rendererMemoryBenchmark,
];

// Express reads NODE_ENV from the real environment (it turns on view caching); production runs with it.
process.env.NODE_ENV = 'production';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available:`);
  for (const benchmark of BENCHMARKS)
    console.error(`  ${benchmark.name.padEnd(10)} ${benchmark.description}`);
  process.exitCode = 2;
} else {
  const selected = requested.length
    ? BENCHMARKS.filter((benchmark) => requested.includes(benchmark.name))
    : BENCHMARKS;
  const cpu = cpus();
  console.log(
    `Vernissage benchmarks — Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}`,
  );
  console.log('NODE_ENV=production in the real environment (Express caches compiled views only then).');
  const checks: QualityCheck[] = [];
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    const started = performance.now();
    try {
      checks.push(...(await benchmark.run()));
    } catch (error) {
      console.error(`\n${benchmark.name} failed:`, error);
      checks.push({
        bar: `${benchmark.name} benchmark`,
        target: 'runs',
        measured: 'crashed (see above)',
        met: undefined,
      });
      process.exitCode = 1;
    }
    console.log(`(${benchmark.name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  printTable(
    'Quality bars (DESIGN.md) — informational',
    ['quality bar', 'target', 'measured', 'met'],
    checks.map((check) => [
      check.bar,
      check.target,
      check.measured,
      check.met === undefined ? '?' : check.met ? 'yes' : 'NO',
    ]),
  );
}
