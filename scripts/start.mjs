// `npm start`: refuses at once, in one line, when the ports are taken (most often: Vernissage is already
// running, and rebuilding dist/ under it would pull the files from under its feet); then builds only if the
// sources changed, and hands over to the supervisor (scripts/start-all.ts).
import { createServer } from 'node:net';
import dotenv from 'dotenv';
import { buildIfStale } from './build-if-stale.mjs';

// The same .env the apps read (real environment variables win); the apps validate every value themselves.
dotenv.config({ quiet: true });

const wanted = [
  { name: 'PORT', host: process.env.HOST || '0.0.0.0', fallback: 3000, what: 'the gateway' },
  {
    name: 'RENDERER_PORT',
    host: process.env.RENDERER_HOST || '127.0.0.1',
    fallback: 4001,
    what: 'the renderer',
  },
];

for (const { name, host, fallback, what } of wanted) {
  const raw = process.env[name]?.trim();
  const port = raw ? Number(raw) : fallback;
  // Port 0 asks for any free port, and a malformed value is reported by the app itself, naming it.
  if (!Number.isInteger(port) || port <= 0 || port > 65535) continue;
  const problem = await portProblem(port, host);
  if (problem) {
    console.error(
      problem === 'EADDRINUSE'
        ? `Cannot start: port ${port} (${name}, for ${what}) is already in use on ${host}. Is Vernissage already running? Stop it, or set another ${name}.`
        : `Cannot start: ${what} cannot listen on ${host}:${port} (${name}): ${problem}.`,
    );
    process.exit(1);
  }
}

buildIfStale();
await import('../dist/scripts/start-all.js');

/** Null when host:port can be listened on now, else the error code (EADDRINUSE, EACCES, …). */
function portProblem(port, host) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => resolve(error.code ?? error.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}
