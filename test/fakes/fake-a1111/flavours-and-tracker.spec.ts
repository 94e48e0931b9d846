import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeA1111, type FakeA1111, type FakeA1111Options } from './fake-a1111.js';
import { callJson, otherClientJob, waitFor } from './testkit.js';

const fakes: FakeA1111[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
async function start(opts: FakeA1111Options = {}): Promise<FakeA1111> {
  const fake = await startFakeA1111(opts);
  fakes.push(fake);
  return fake;
}

const track = (fake: FakeA1111, id: string) =>
  callJson<{ active: boolean; queued: boolean; completed: boolean; textinfo: string }>(
    `${fake.url}/internal/progress`,
    { body: { id_task: id, live_preview: false } },
  );

describe('the web UI task tracker (uiMode)', () => {
  it('follows force_task_id: queued behind the lock, active, completed; a 404 without the web UI', async () => {
    const fake = await start({ uiMode: true, stepDelayMs: 20 });
    const first = otherClientJob(fake.url, { steps: 10, force_task_id: 'first' });
    await waitFor(() => (fake.stats().running ? true : undefined));
    const second = otherClientJob(fake.url, { steps: 2, force_task_id: 'second' });
    await waitFor(async () => ((await track(fake, 'second')).body.queued ? true : undefined));
    expect((await track(fake, 'first')).body).toMatchObject({ active: true, queued: false });
    expect((await track(fake, 'second')).body).toMatchObject({
      active: false,
      queued: true,
      textinfo: 'In queue: 1/1',
    });
    await Promise.all([first, second]);
    expect((await track(fake, 'second')).body).toMatchObject({ active: false, completed: true });
    expect(fake.stats().previewDecodes).toBe(0);
    const api = await start();
    expect((await track(api, 'x')).status).toBe(404);
  });

  it("'stall' holds the lock until interrupted, then answers with a partial image", async () => {
    const fake = await start({ uiMode: true });
    await fake.setMode('stall', { failTimes: 1 });
    const stuck = otherClientJob(fake.url, { force_task_id: 'stuck' });
    await waitFor(async () => ((await track(fake, 'stuck')).body.active ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.stats().running).toBe(true);
    await callJson(`${fake.url}/sdapi/v1/interrupt`, { body: {} });
    expect(await stuck).toMatchObject({ status: 200, interrupted: true });
  });
});

describe('flavours', () => {
  it('SD.Next: version route, exact samplers only (404), no schedulers, no tracking of API jobs', async () => {
    const fake = await start({ flavour: 'sdnext' });
    expect((await callJson(`${fake.url}/sdapi/v1/version`)).body).toMatchObject({ app: 'sd.next' });
    expect((await callJson(`${fake.url}/sdapi/v1/schedulers`)).status).toBe(404);
    const karras = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { sampler_name: 'DPM++ 2M Karras', steps: 1 },
    });
    expect(karras).toMatchObject({ status: 404, body: { detail: 'Sampler not found' } });
    const ok = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { sampler_name: 'DPM++ 2M', steps: 1, force_task_id: 'mine' },
    });
    expect(ok.status).toBe(200);
    expect((await track(fake, 'mine')).body).toMatchObject({
      active: false,
      queued: false,
      completed: false,
    });
  });

  it('Forge: its settings in /options and an extra image after the generated one; A1111 has no version route', async () => {
    const forge = await start({ flavour: 'forge' });
    expect((await callJson<Record<string, unknown>>(`${forge.url}/sdapi/v1/options`)).body).toHaveProperty(
      'forge_preset',
    );
    const answer = await callJson<{ images: string[] }>(`${forge.url}/sdapi/v1/txt2img`, {
      body: { steps: 1 },
    });
    expect(answer.body.images).toHaveLength(2);
    const a1111 = await start();
    expect((await callJson(`${a1111.url}/sdapi/v1/version`)).status).toBe(404);
  });
});

describe('keep-alive', () => {
  it("'reset-reused' resets a request that comes on a reused idle socket, and nothing runs", async () => {
    const fake = await start({ uiMode: true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`${fake.url}/sdapi/v1/progress`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    expect(await get()).toBe(200);
    await fake.setMode('reset-reused', { failTimes: 1 });
    await expect(get()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await get()).toBe(200);
    expect(fake.stats().idleResets).toBe(1);
    agent.destroy();
  });
});
