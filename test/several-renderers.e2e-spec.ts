import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeA1111 } from './fakes/fake-a1111/fake-a1111.js';
import type { FakeA1111 } from './fakes/fake-a1111/types.js';
import { makeTempDir } from './gateway/harness.js';
import { GatewayClient } from './pipeline/gateway-client.js';
import {
  buildOnce,
  eventually,
  freePort,
  outputFiles,
  startProcess,
  type RunningProcess,
} from './pipeline/processes.js';
import { createRendererTestClient } from './support/renderer-test-client.js';

const GRACE_MS = 1000;

/**
 * One gateway and three renderers as real processes (each renderer with its own fake AUTOMATIC1111, in this
 * process): a renderer killed for good, and one frozen mid-job that comes back with a result for a job done
 * elsewhere meanwhile. Whatever drops out, every prompt is stored exactly once.
 */
describe('several renderers as real processes: one killed, one lost and back', () => {
  const temp = makeTempDir('vernissage-renderers-');
  const outputDir = join(temp.dir, 'output');
  const databasePath = join(temp.dir, 'vernissage.sqlite');
  const token = 'renderers-test-token-0123456789';
  const sds: FakeA1111[] = [];
  const renderers: RunningProcess[] = [];
  const ports: number[] = [];
  let gateway: RunningProcess;
  let client: GatewayClient;

  const keyOf = (renderer: number) => `127.0.0.1:${ports[renderer]}/0`;

  beforeAll(async () => {
    buildOnce();
    for (let i = 0; i < 3; i++) {
      sds.push(await startFakeA1111({ fixedDelayMs: 150 }));
      ports.push(await freePort());
      renderers.push(
        startProcess('apps/renderer/src/main.js', {
          RENDERER_HOST: '127.0.0.1',
          RENDERER_PORT: String(ports[i]),
          RENDERER_TOKEN: token,
          SD_URL: sds[i].url,
          RENDER_RETRY_BASE_MS: '100',
        }),
      );
    }
    await Promise.all(renderers.map((renderer) => renderer.waitFor(/Listening on tcp/)));
    const gatewayPort = await freePort();
    gateway = startProcess('apps/gateway/src/main.js', {
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      DATABASE_PATH: databasePath,
      OUTPUT_DIR: outputDir,
      RENDERERS: ports.map((port) => `127.0.0.1:${port}`).join(','),
      RENDERER_TOKEN: token,
      RENDERER_TIMEOUT_MS: '500',
      RENDERER_GRACE_MS: String(GRACE_MS),
      MAX_PENDING_PER_GUEST: '100',
      SUBMISSIONS_PER_MINUTE: '1000',
    });
    const claim = await gateway.waitFor(/https?:\/\/[^/\s]+(\/admin\/claim\/[A-Za-z0-9_-]+)/);
    client = new GatewayClient(`http://127.0.0.1:${gatewayPort}`, databasePath);
    await client.claim(claim[1]);
    for (const port of ports)
      await gateway.waitFor(new RegExp(`Renderer 127\\.0\\.0\\.1:${port} is in sync`), 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const renderer of renderers) renderer.child.kill('SIGCONT');
    await Promise.all([gateway?.kill(), ...renderers.map((renderer) => renderer.kill())]);
    await Promise.all(sds.map((sd) => sd.close()));
    temp.cleanup();
  });

  async function approvedRun(label: string, count: number): Promise<number[]> {
    const ids = await client.submit(
      Array.from({ length: count }, (_, i) => `${label} ${i}`),
      { width: 512, height: 512 },
    );
    for (const id of ids) await client.decide(id, 'approve');
    return ids;
  }

  async function settled(ids: number[]) {
    return eventually(
      () => client.statuses(ids),
      (rows) => ids.every((id) => ['rendered', 'failed'].includes(rows.get(id)?.status ?? '')),
      45_000,
      `${ids.length} prompts finished`,
    );
  }

  /** Every id rendered; one PNG and one metadata file each, and the files are the ones the database holds. */
  function expectStoredOnce(ids: number[], rows: Awaited<ReturnType<typeof settled>>): void {
    const files = outputFiles(outputDir);
    for (const id of ids) {
      expect(rows.get(id)?.status).toBe('rendered');
      expect(files.filter((name) => name === `${id}.png`)).toHaveLength(1);
      expect(files.filter((name) => name === `${id}.json`)).toHaveLength(1);
      // A second image for it would have replaced the files: its seed would not be the recorded one.
      const meta = JSON.parse(readFileSync(join(outputDir, `${id}.json`), 'utf8'));
      expect(meta.seed).toBe(rows.get(id)?.seed);
    }
  }

  it('a renderer SIGKILLed for good mid-run: its jobs finish on the others, none lost, none stored twice', async () => {
    const ids = await approvedRun('killed renderer', 24);
    await eventually(
      () => sds[0].stats().generations,
      (n) => n >= 2,
      20_000,
      'the first renderer at work',
    );
    await renderers[0].kill('SIGKILL');
    const rows = await settled(ids);
    expectStoredOnce(ids, rows);
    // What the killed one had not finished went to the two others.
    const byWorker = new Map<string | null, number>();
    for (const id of ids) byWorker.set(rows.get(id)!.worker, (byWorker.get(rows.get(id)!.worker) ?? 0) + 1);
    expect((byWorker.get(keyOf(1)) ?? 0) + (byWorker.get(keyOf(2)) ?? 0)).toBeGreaterThan(ids.length / 2);
    expect(gateway.output()).toMatch(
      /could not work for 1 s: \d+ of its unfinished prompt\(s\) go to the other workers/,
    );
  }, 90_000);

  it('a renderer lost mid-job comes back with a result for a job done elsewhere: discarded and acknowledged', async () => {
    // Slow images on the renderer that will be frozen, so it is surely mid-job when it is.
    sds[1].setDelays({ fixedDelayMs: 1500 });
    sds[1].reset();
    const ids = await approvedRun('lost renderer', 12);
    await eventually(() => sds[1].stats().running, Boolean, 20_000, 'the second renderer mid-job');
    const lost = renderers[1];
    lost.child.kill('SIGSTOP');
    try {
      // Frozen: it cannot answer; after the grace period its jobs go to the third renderer.
      const rows = await settled(ids);
      expectStoredOnce(ids, rows);
    } finally {
      lost.child.kill('SIGCONT');
    }
    const direct = createRendererTestClient({ port: ports[1], token });
    try {
      // Back: it finishes the image it was drawing and reports it; the gateway takes it, finds the prompt
      // already rendered elsewhere, and acknowledges it, so the renderer forgets it.
      await eventually(
        () => sds[1].stats().running,
        (running) => !running,
        10_000,
        'its SD server done',
      );
      await eventually(
        async () => (await direct.call('render.status', {})).unacknowledgedResults,
        (n) => n === 0,
        15_000,
        'its late result acknowledged',
      );
      const drawnThere = sds[1].requests
        .filter((request) => request.path === '/sdapi/v1/txt2img')
        .map((request) => String((request.body as { prompt?: string }).prompt));
      const rows = await client.statuses(ids);
      const prompts = new Map(ids.map((id, i) => [`lost renderer ${i}`, id]));
      const doneElsewhere = drawnThere
        .map((prompt) => prompts.get(prompt))
        .filter((id): id is number => id !== undefined && rows.get(id)!.worker !== keyOf(1));
      // The job it was drawing when frozen was also drawn elsewhere, and that image is the one stored.
      expect(doneElsewhere.length).toBeGreaterThanOrEqual(1);
      expectStoredOnce(ids, rows);
    } finally {
      await direct.close();
      sds[1].setDelays({ fixedDelayMs: 150 });
    }
  }, 90_000);
});
