import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServerKind = 'gateway' | 'express-hello' | 'stack-floor';

export interface ChildServer {
  kind: ServerKind;
  url: string;
  pid: number;
  /** CPU time (user + system, µs) the server process has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('../servers/server-child.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a server under test in its own Node process, so that it has its own event loop and the load
 * generator in this process does not steal its turns. NODE_ENV=production is set in the child's real
 * environment because Express reads it from there (view caching), as it would in a production start.
 */
export function startChildServer(
  kind: ServerKind,
  gatewayEnv: Record<string, string> = {},
): Promise<ChildServer> {
  // BENCH_CPU_PROF_DIR=dir: each server under test writes a V8 CPU profile there when it stops.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const child = fork(CHILD, [kind, JSON.stringify(gatewayEnv)], {
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      if (typeof message?.port !== 'number') {
        void stop();
        reject(new Error(`${kind} server sent an unexpected message`));
        return;
      }
      const cpuMicros = () =>
        new Promise<number>((resolveCpu, rejectCpu) => {
          const onMessage = (reply: { cpuMicros?: number }) => {
            if (typeof reply?.cpuMicros !== 'number') return;
            child.off('message', onMessage);
            resolveCpu(reply.cpuMicros);
          };
          child.on('message', onMessage);
          child.send('cpu', (error) => error && rejectCpu(error));
        });
      resolve({ kind, url: `http://127.0.0.1:${message.port}`, pid: child.pid ?? -1, cpuMicros, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited during start (code ${code})`));
    });
  });
}
