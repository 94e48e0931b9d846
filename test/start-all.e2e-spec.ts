import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './gateway/harness.js';
import { buildOnce, freePort, startProcess, type RunningProcess } from './pipeline/processes.js';

describe('npm start: gateway and renderer together on one machine', () => {
  const temp = makeTempDir('vernissage-start-');
  let both: RunningProcess | undefined;
  afterAll(async () => {
    await both?.kill();
    temp.cleanup();
  });

  it('runs both with no configuration but paths, connects them with the shared token file, and stops both', async () => {
    buildOnce();
    const port = await freePort();
    const rendererPort = await freePort();
    both = startProcess('scripts/start-all.js', {
      HOST: '127.0.0.1',
      PORT: String(port),
      RENDERER_PORT: String(rendererPort),
      DATABASE_PATH: join(temp.dir, 'db', 'vernissage.sqlite'),
      RENDERER_TOKEN_FILE: join(temp.dir, 'db', 'renderer.token'),
      OUTPUT_DIR: join(temp.dir, 'output'),
    });
    await both.waitFor(/\[renderer\].*Stable Diffusion not connected: preview backend/, 30_000);
    await both.waitFor(/\[gateway\].*Guests open http:\/\/localhost:\d+\//, 30_000);
    await both.waitFor(/\[gateway\] http:\/\/localhost:\d+\/admin\/claim\/[A-Za-z0-9_-]+/, 30_000);
    await both.waitFor(
      /\[gateway\].*Renderer connected \(Stable Diffusion not connected: preview backend\)/,
      30_000,
    );
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Your color is');

    await both.kill('SIGTERM');
    expect(both.child.exitCode ?? both.child.signalCode).not.toBeNull();
    // Both apps are gone: their ports are free again.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(rendererPort, '127.0.0.1', () => {
          socket.destroy();
          resolve('open');
        });
        socket.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  }, 90_000);
});
