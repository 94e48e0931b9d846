import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './gateway/harness.js';
import { GatewayClient } from './pipeline/gateway-client.js';
import {
  buildOnce,
  DIST,
  eventually,
  freePort,
  startProcess,
  type RunningProcess,
} from './pipeline/processes.js';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;
const builtAt = () => statSync(join(DIST, 'apps', 'gateway', 'src', 'main.js')).mtimeMs;

/** Runs a command to its end (bounded), with only the given environment; never throws on a non-zero exit. */
async function finish(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function refused(port: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('open');
    });
    socket.on('error', reject);
  });
}

describe('npm start: gateway and renderer together on one machine', () => {
  const temp = makeTempDir('vernissage-start-');
  let both: RunningProcess | undefined;
  let port: number;
  let rendererPort: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    buildOnce();
    port = await freePort();
    rendererPort = await freePort();
    env = {
      HOST: '127.0.0.1',
      PORT: String(port),
      RENDERER_PORT: String(rendererPort),
      DATABASE_PATH: join(temp.dir, 'db', 'vernissage.sqlite'),
      RENDERER_TOKEN_FILE: join(temp.dir, 'db', 'renderer.token'),
      OUTPUT_DIR: join(temp.dir, 'output'),
    };
  });
  afterAll(async () => {
    await both?.kill();
    temp.cleanup();
  });

  it('runs both with no configuration but paths and connects them with the shared token file', async () => {
    both = startProcess('scripts/start-all.js', env);
    await both.waitFor(/\[renderer\].*Stable Diffusion not connected: preview backend/, 30_000);
    await both.waitFor(/\[gateway\].*Guests open http:\/\/localhost:\d+\//, 30_000);
    await both.waitFor(/\[gateway\] http:\/\/localhost:\d+\/admin\/claim\/[A-Za-z0-9_-]+/, 30_000);
    await both.waitFor(
      /\[gateway\].*Renderer connected \(Stable Diffusion not connected: preview backend\)/,
      30_000,
    );
    // Bound to loopback with no PUBLIC_URL: phones cannot reach it, and the log says so.
    await both.waitFor(/\[gateway\].*HOST=127\.0\.0\.1 accepts connections from this machine only/);
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Your colour is');
  }, 90_000);

  it('restarts a crashed renderer while the gateway keeps serving; the panel shows the link down and back', async () => {
    const running = both!;
    const claim = /\[gateway\] http:\/\/localhost:\d+(\/admin\/claim\/[A-Za-z0-9_-]+)/.exec(
      running.output(),
    )!;
    const host = new GatewayClient(`http://127.0.0.1:${port}`, env.DATABASE_PATH);
    await host.claim(claim[1]);
    const link = async () => {
      const res = await host.admin.get('/admin/renderer').set('Accept', 'application/json');
      return (res.body as { link: string }).link;
    };
    expect(await link()).toBe('connected');

    const [, pid] = /\[start\] renderer started \(pid (\d+)\)/.exec(running.output())!;
    process.kill(Number(pid), 'SIGKILL');
    await running.waitFor(
      /\[start\] renderer stopped \(SIGKILL\); starting it again in 1 s\. The gateway keeps serving\./,
    );
    await eventually(link, (state) => state !== 'connected', 10_000, 'the panel to show the link down');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'text/html' } });
      expect(res.status).toBe(200);
    }

    await eventually(
      () => count(running.output(), /\[start\] renderer started \(pid \d+\)/),
      (started) => started === 2,
      15_000,
      'the renderer to be started again',
    );
    await eventually(
      () => count(running.output(), /\[gateway\].*Renderer connected/),
      (connected) => connected >= 2,
      30_000,
      'the gateway to reconnect',
    );
    await eventually(link, (state) => state === 'connected', 10_000, 'the panel to show the link back');
    expect(running.child.exitCode).toBeNull();
  }, 90_000);

  it('a second npm start says in one line that the port is taken, and builds nothing', async () => {
    const before = builtAt();
    const second = await finish(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], env);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `Cannot start: port ${port} (PORT, for the gateway) is already in use on 127.0.0.1. Is Vernissage already running? Stop it, or set another PORT.\n`,
    );
    expect(builtAt()).toBe(before);

    // Started on their own, each app says it in one line too, with no stack trace.
    const gateway = await finish(process.execPath, [join(DIST, 'apps', 'gateway', 'src', 'main.js')], env);
    expect(gateway.code).toBe(78);
    expect(gateway.stderr.trim()).toBe(
      `Cannot start: 127.0.0.1:${port} (PORT) is already in use. Is Vernissage already running? Stop it, or set another PORT.`,
    );
    const renderer = await finish(process.execPath, [join(DIST, 'apps', 'renderer', 'src', 'main.js')], env);
    expect(renderer.code).toBe(78);
    expect(renderer.stderr).not.toMatch(/\n\s+at /);
    expect(renderer.stderr.trim().split('\n').at(-1)).toBe(
      `Cannot start the renderer: 127.0.0.1:${rendererPort} (RENDERER_PORT) is already in use. Is it already running? Stop it, or set another RENDERER_PORT.`,
    );
  }, 90_000);

  it('the supervisor does not restart an app that cannot start, and stops the rest', async () => {
    // Its own gateway port is free, but the renderer's is taken by the running one.
    const otherPort = await freePort();
    const blocked = await finish(process.execPath, [join(DIST, 'scripts', 'start-all.js')], {
      ...env,
      PORT: String(otherPort),
    });
    expect(blocked.code).toBe(78);
    expect(blocked.stderr).toContain('[start] renderer stopped (exit code 78); stopping the rest.');
    expect(count(blocked.stdout, /\[start\] renderer started/)).toBe(1);
    await expect(refused(otherPort)).rejects.toThrow(/ECONNREFUSED/);
  }, 90_000);

  it('admin:claim-link points at the running gateway and does not rebuild a current dist', async () => {
    const before = builtAt();
    // No PORT given here: the link still names the port the running gateway was started with.
    const { PORT: _unused, ...withoutPort } = env;
    const result = await finish('npm', ['run', '--silent', 'admin:claim-link'], withoutPort);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Building');
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^http://localhost:${port}/admin/claim/[A-Za-z0-9_-]{43}$`),
    );
    expect(builtAt()).toBe(before);
  }, 90_000);

  it('stops both on SIGTERM', async () => {
    await both!.kill('SIGTERM');
    expect(both!.child.exitCode ?? both!.child.signalCode).not.toBeNull();
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    await expect(refused(rendererPort)).rejects.toThrow(/ECONNREFUSED/);
  }, 30_000);
});

describe('start-up mistakes and the claim-link script, each in one line', () => {
  const temp = makeTempDir('vernissage-config-');
  afterAll(() => temp.cleanup());

  it('PORT=abc: one line naming PORT, and an exit that npm start does not retry', async () => {
    buildOnce();
    const result = await finish(process.execPath, [join(DIST, 'apps', 'gateway', 'src', 'main.js')], {
      PORT: 'abc',
      DATABASE_PATH: join(temp.dir, 'db', 'vernissage.sqlite'),
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toBe('Invalid configuration: PORT: must be a whole number from 0 to 65535.\n');
  }, 90_000);

  it('admin:claim-link reads PORT from the .env of the directory it runs in, as the gateway does', async () => {
    buildOnce();
    const dir = join(temp.dir, 'party');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.env'),
      [
        'PORT=4567',
        `DATABASE_PATH=${join(dir, 'db', 'vernissage.sqlite')}`,
        'RENDERER_TOKEN_FILE=db/renderer.token',
      ].join('\n'),
    );
    const result = await finish(
      process.execPath,
      [join(DIST, 'apps', 'gateway', 'src', 'cli', 'claim-link.js')],
      {},
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(
      /^http:\/\/localhost:4567\/admin\/claim\/[A-Za-z0-9_-]{43}$/,
    );
    // PUBLIC_URL, when set, wins over the port.
    const publicUrl = await finish(
      process.execPath,
      [join(DIST, 'apps', 'gateway', 'src', 'cli', 'claim-link.js')],
      { PUBLIC_URL: 'https://party.example.org' },
      dir,
    );
    expect(publicUrl.stdout.trim().split('\n').at(-1)).toMatch(
      /^https:\/\/party\.example\.org\/admin\/claim\/[A-Za-z0-9_-]{43}$/,
    );
  }, 90_000);
});
