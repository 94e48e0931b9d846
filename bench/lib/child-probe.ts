/**
 * Preloaded (`node --expose-gc --import dist/bench/lib/child-probe.js …`) into a server under test by
 * bench/lib/processes.ts; never part of an app.
 * - SIGWINCH (ignored by default, and not one of the signals Nest's enableShutdownHooks listens to, unlike
 *   SIGUSR2): a full GC (when exposed), then one stdout line `BENCH_PROBE_MEMORY {…process.memoryUsage()}`.
 * - SIGTERM/SIGINT: exit at once with code 0. A process killed by a signal writes no --cpu-prof profile;
 *   one that calls process.exit does. Registered before the app's own handlers, so it runs first.
 */
process.on('SIGWINCH', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  process.stdout.write(`BENCH_PROBE_MEMORY ${JSON.stringify(process.memoryUsage())}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
