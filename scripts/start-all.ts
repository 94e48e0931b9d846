import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * One-machine start (`npm start`): the renderer and the gateway side by side, their logs prefixed. Both find
 * the shared renderer token in the same file beside the database, so nothing needs configuring. If one stops,
 * the other is stopped too, so a half-running party never goes unnoticed.
 */
const apps = [
  { name: 'renderer', entry: '../apps/renderer/src/main.js' },
  { name: 'gateway', entry: '../apps/gateway/src/main.js' },
];

const children: ChildProcess[] = [];
let stopping = false;

for (const app of apps) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(app.entry, import.meta.url))], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  prefix(child.stdout!, app.name, process.stdout);
  prefix(child.stderr!, app.name, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`[${app.name}] stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
    stop(code ?? 1);
  });
  children.push(child);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));

function stop(code: number): void {
  if (!stopping) {
    stopping = true;
    process.exitCode = code;
  }
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
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
