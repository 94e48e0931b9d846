import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * One-machine start (`npm start`): the renderer and the gateway side by side, their logs prefixed. Both find
 * the shared renderer token in the same file beside the database, so nothing needs configuring.
 *
 * A renderer that crashes is started again, after a pause that doubles with each quick crash (1 s up to
 * 30 s): guests keep their pages meanwhile, approved prompts wait in the database, and the host's renderer
 * panel shows the link down and back. The gateway is the party itself: if it stops, everything stops, so
 * that is never missed. An app that exits with EXIT_CANNOT_START (bad configuration, port taken) would
 * only fail again, so that stops everything too.
 */
const EXIT_CANNOT_START = 78;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Up this long, a renderer counts as healthy again: its next crash waits the first delay only. */
const HEALTHY_AFTER_MS = 60_000;

interface App {
  name: 'renderer' | 'gateway';
  entry: string;
  restart: boolean;
}

const apps: App[] = [
  { name: 'renderer', entry: '../apps/renderer/src/main.js', restart: true },
  { name: 'gateway', entry: '../apps/gateway/src/main.js', restart: false },
];

const running = new Map<App['name'], ChildProcess>();
const timers = new Set<NodeJS.Timeout>();
let stopping = false;

for (const app of apps) start(app, FIRST_DELAY_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));

function start(app: App, delayMs: number): void {
  const child = spawn(process.execPath, [fileURLToPath(new URL(app.entry, import.meta.url))], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const startedAt = Date.now();
  running.set(app.name, child);
  prefix(child.stdout!, app.name, process.stdout);
  prefix(child.stderr!, app.name, process.stderr);
  console.log(`[start] ${app.name} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    running.delete(app.name);
    if (stopping) return;
    const how = signal ?? `exit code ${code}`;
    if (!app.restart || code === EXIT_CANNOT_START) {
      console.error(`[start] ${app.name} stopped (${how}); stopping the rest.`);
      stop(code ?? 1);
      return;
    }
    const wait = Date.now() - startedAt >= HEALTHY_AFTER_MS ? FIRST_DELAY_MS : delayMs;
    console.error(
      `[start] ${app.name} stopped (${how}); starting it again in ${wait / 1000} s. The gateway keeps serving.`,
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) start(app, Math.min(wait * 2, MAX_DELAY_MS));
    }, wait);
    timers.add(timer);
  });
}

function stop(code: number): void {
  if (!stopping) {
    stopping = true;
    process.exitCode = code;
  }
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  for (const child of running.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

function prefix(stream: NodeJS.ReadableStream, name: string, out: NodeJS.WritableStream): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}
