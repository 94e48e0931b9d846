import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('pipeline: gateway + renderer + fake AUTOMATIC1111 as real processes', () => {
  const temp = makeTempDir('vernissage-pipeline-');
  const outputDir = join(temp.dir, 'output');
  const databasePath = join(temp.dir, 'vernissage.sqlite');
  const token = 'pipeline-test-token-0123456789';
  let sd: RunningProcess;
  let renderer: RunningProcess;
  let gateway: RunningProcess;
  let sdUrl: string;
  let rendererPort: number;
  let gatewayPort: number;
  let client: GatewayClient;

  const startRenderer = () =>
    startProcess('apps/renderer/src/main.js', {
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(rendererPort),
      RENDERER_TOKEN: token,
      SD_URL: sdUrl,
      SD_READ_TIMEOUT_MS: '1500',
      SD_CONNECT_TIMEOUT_MS: '1000',
      RENDER_MAX_ATTEMPTS: '3',
      RENDER_RETRY_BASE_MS: '100',
    });
  const startGatewayProcess = () =>
    startProcess('apps/gateway/src/main.js', {
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      DATABASE_PATH: databasePath,
      OUTPUT_DIR: outputDir,
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(rendererPort),
      RENDERER_TOKEN: token,
      MAX_PENDING_PER_GUEST: '100',
      SUBMISSIONS_PER_MINUTE: '1000',
    });

  async function sdControl(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${sdUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  }

  async function sdPrompts(): Promise<string[]> {
    const res = await fetch(`${sdUrl}/fake/requests`);
    const requests = (await res.json()) as { path: string; body: { prompt?: string } }[];
    return requests.filter((r) => r.path.includes('2img')).map((r) => String(r.body?.prompt));
  }

  async function waitSettled(ids: number[], timeoutMs = 30_000) {
    return eventually(
      () => client.statuses(ids),
      (map) => ids.every((id) => ['rendered', 'failed'].includes(map.get(id)?.status ?? '')),
      timeoutMs,
      `prompts ${ids.join(',')} to finish`,
    );
  }

  async function approveAll(ids: number[]) {
    for (const id of ids) await client.decide(id, 'approve');
  }

  beforeAll(async () => {
    buildOnce();
    sd = startProcess('test/fakes/fake-a1111/main.js', {}, ['--port', '0']);
    sdUrl = (await sd.waitFor(/FAKE_A1111_URL=(\S+)/))[1];
    rendererPort = await freePort();
    gatewayPort = await freePort();
    renderer = startRenderer();
    gateway = startGatewayProcess();
    const claim = await gateway.waitFor(/https?:\/\/[^/\s]+(\/admin\/claim\/[A-Za-z0-9_-]+)/);
    client = new GatewayClient(`http://127.0.0.1:${gatewayPort}`, databasePath);
    await client.claim(claim[1]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway?.kill(), renderer?.kill(), sd?.kill()]);
    temp.cleanup();
  });

  it('renders 20 approved prompts into 20 PNGs with correct metadata', async () => {
    const prompts = Array.from({ length: 20 }, (_, i) => `pipeline prompt ${i} — a cat in a hat`);
    const ids = await client.submit(prompts);
    await approveAll(ids);
    const states = await waitSettled(ids);
    for (const id of ids)
      expect(states.get(id)).toMatchObject({ status: 'rendered', imageFile: `${id}.png` });
    for (const [i, id] of ids.entries()) {
      const png = readFileSync(join(outputDir, `${id}.png`));
      expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
      const meta = JSON.parse(readFileSync(join(outputDir, `${id}.json`), 'utf8'));
      expect(meta).toMatchObject({
        id,
        prompt: prompts[i],
        width: 512,
        height: 768,
        backend: 'a1111',
        image: `${id}.png`,
      });
      expect(meta.colour.name).toMatch(/\w/);
      expect(meta.colour.hex).toMatch(/^#[0-9a-f]{6}$/);
      expect(typeof meta.seed).toBe('number');
      expect(meta.sd.prompt).toBe(prompts[i]);
      expect(Date.parse(meta.submittedAt)).toBeLessThanOrEqual(Date.parse(meta.approvedAt));
      expect(Date.parse(meta.approvedAt)).toBeLessThanOrEqual(Date.parse(meta.renderedAt));
    }
  }, 60_000);

  it('never sends a denied prompt to Stable Diffusion', async () => {
    const [denied, approved] = await client.submit(['DENIED: never render me', 'approved after a denial']);
    await client.decide(denied, 'deny');
    await client.decide(approved, 'approve');
    await waitSettled([approved]);
    const sent = await sdPrompts();
    expect(sent).toContain('approved after a denial');
    expect(sent).not.toContain('DENIED: never render me');
    expect(outputFiles(outputDir)).not.toContain(`${denied}.png`);
  }, 60_000);

  it('retries when SD answers 500 and renders once it recovers', async () => {
    await sdControl('/fake/mode', { mode: 'error500', failTimes: 2 });
    const [id] = await client.submit(['survives two 500s']);
    await approveAll([id]);
    const states = await waitSettled([id]);
    expect(states.get(id)?.status).toBe('rendered');
  }, 60_000);

  it('fails a prompt visibly when SD hangs, and the queue moves on', async () => {
    await sdControl('/fake/mode', { mode: 'hang' });
    const [stuck] = await client.submit(['SD hangs on this one']);
    await approveAll([stuck]);
    const states = await waitSettled([stuck], 45_000);
    expect(states.get(stuck)?.status).toBe('failed');
    expect(states.get(stuck)?.failureReason).toMatch(/time/i);
    await sdControl('/fake/mode', { mode: 'normal' });
    const [next] = await client.submit(['after the hang']);
    await approveAll([next]);
    expect((await waitSettled([next])).get(next)?.status).toBe('rendered');
  }, 90_000);

  it('loses nothing and stores nothing twice when the renderer is killed mid-job and restarted', async () => {
    await sdControl('/fake/delays', { fixedDelayMs: 200 });
    const ids = await client.submit(Array.from({ length: 12 }, (_, i) => `kill test ${i}`));
    await approveAll(ids);
    await eventually(
      () => client.statuses(ids),
      (map) => [...map.values()].filter((row) => row.status === 'rendered').length >= 2,
      20_000,
      'two renders before the kill',
    );
    await renderer.kill('SIGKILL');
    renderer = startRenderer();
    const states = await waitSettled(ids, 60_000);
    for (const id of ids) expect(states.get(id)?.status).toBe('rendered');
    const files = outputFiles(outputDir);
    for (const id of ids) {
      expect(files.filter((name) => name === `${id}.png`)).toHaveLength(1);
      expect(files.filter((name) => name === `${id}.json`)).toHaveLength(1);
    }
    await sdControl('/fake/delays', { fixedDelayMs: 0 });
  }, 90_000);

  it('loses nothing when the gateway restarts mid-run', async () => {
    await sdControl('/fake/delays', { fixedDelayMs: 150 });
    const ids = await client.submit(Array.from({ length: 10 }, (_, i) => `gateway restart ${i}`));
    await approveAll(ids);
    await gateway.kill('SIGTERM');
    gateway = startGatewayProcess();
    await gateway.waitFor(/Guests open/);
    const states = await waitSettled(ids, 60_000);
    for (const id of ids) expect(states.get(id)?.status).toBe('rendered');
    await sdControl('/fake/delays', { fixedDelayMs: 0 });
  }, 90_000);
});
