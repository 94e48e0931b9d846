import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** dist/ (this file runs as dist/bench/lib/processes.js). */
const DIST = fileURLToPath(new URL('../../', import.meta.url));
/** The repository root: the working directory of `npm start`, as in the pipeline e2e tests. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE = fileURLToPath(new URL('./child-probe.js', import.meta.url));

export interface BuiltProcess {
  pid: number;
  output: () => string;
  /** The first match of `pattern` in stdout/stderr (searched from `from`), or rejects after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number, from?: number) => Promise<RegExpMatchArray>;
  /** Asks the probe (if loaded) for a full GC and process.memoryUsage(). */
  memory: () => Promise<NodeJS.MemoryUsage>;
  stop: () => Promise<void>;
}

export interface StartOptions {
  args?: string[];
  /**
   * Loads bench/lib/child-probe.js (exits cleanly on SIGTERM, answers SIGWINCH with memory figures) and runs
   * with --expose-gc. Always on when BENCH_CPU_PROF_DIR is set, since a profile is only written on a clean exit.
   */
  probe?: boolean;
  /** Profile this process when BENCH_CPU_PROF_DIR is set (the servers under test, not the fake SD). */
  profile?: boolean;
}

/**
 * Runs a built entry (a path under dist/) in its own Node process, as `npm start` would: its own event loop,
 * NODE_ENV=production, a minimal environment (nothing of the caller's leaks in), loopback addresses given
 * by the caller.
 */
export function startBuilt(
  entry: string,
  env: Record<string, string>,
  options: StartOptions = {},
): BuiltProcess {
  const profileDir = options.profile ? process.env.BENCH_CPU_PROF_DIR : undefined;
  const probe = options.probe || profileDir !== undefined;
  const execArgv = [
    ...(probe ? ['--expose-gc', '--import', PROBE] : []),
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
  const child: ChildProcess = spawn(
    process.execPath,
    [...execArgv, `${DIST}${entry}`, ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    // Keep what a caller may still search for, not a whole run of log lines.
    if (output.length > 1_000_000) output = output.slice(-200_000);
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  const waitFor = (pattern: RegExp, timeoutMs = 30_000, from = 0) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output.slice(from));
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${entry} exited before printing ${pattern}:\n${output.slice(-4000)}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  return {
    pid: child.pid ?? -1,
    output: () => output,
    waitFor,
    memory: async () => {
      if (!probe) throw new Error(`${entry} was started without the probe`);
      const from = output.length;
      child.kill('SIGWINCH');
      const match = await waitFor(/BENCH_PROBE_MEMORY (\{[^\n]*\})/, 10_000, from);
      return JSON.parse(match[1]) as NodeJS.MemoryUsage;
    },
    stop: async () => {
      if (!isRunning()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}

/** Stops every process given, whatever state each is in. */
export async function stopAll(processes: (BuiltProcess | undefined)[]): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop()));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
