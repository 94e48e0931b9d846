import { afterEach, describe, expect, it } from 'vitest';
import {
  startFakeA1111,
  type FakeA1111,
  type FakeA1111Options,
  type FakeStats,
  type RecordedRequest,
} from './fake-a1111.js';
import { parseFakeArgs, runFakeA1111, URL_LINE_PREFIX } from './main.js';
import { callJson, waitFor } from './testkit.js';

const fakes: FakeA1111[] = [];
async function start(opts: FakeA1111Options = {}): Promise<FakeA1111> {
  const fake = await startFakeA1111(opts);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const OOM_BODY = {
  error: 'OutOfMemoryError',
  detail: '',
  body: '',
  errors: expect.stringMatching(/^CUDA out of memory\. Tried to allocate /),
};

function txt2img(fake: FakeA1111, body: unknown = { steps: 2 }, signal?: AbortSignal) {
  return callJson(`${fake.url}/sdapi/v1/txt2img`, { body, signal });
}

/** The low-level error code behind a failed fetch (undici wraps it in `cause`). */
async function fetchErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as Error).name;
  }
  return 'no error';
}

describe('fake A1111: failure modes', () => {
  it.each(['error500', 'oom'] as const)('%s answers 500 with the OutOfMemoryError body', async (mode) => {
    const fake = await start({ mode });
    for (let i = 0; i < 2; i++) expect(await txt2img(fake)).toMatchObject({ status: 500, body: OOM_BODY });
    expect(fake.stats()).toMatchObject({ generations: 2, failures: 2 });
  });

  it('fails failTimes generations, then behaves normally', async () => {
    const fake = await start({ mode: 'error500', failTimes: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await txt2img(fake)).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    await fake.setMode('oom', { failTimes: 1 });
    expect((await txt2img(fake)).status).toBe(500);
    expect((await txt2img(fake)).status).toBe(200);
  });

  it('OOMs on its own when W·H·batch exceeds the threshold', async () => {
    const fake = await start({ oomPixels: 512 * 512 });
    expect(await txt2img(fake, { width: 512, height: 512, batch_size: 2, steps: 1 })).toMatchObject({
      status: 500,
      body: OOM_BODY,
    });
    expect((await txt2img(fake, { width: 512, height: 512, steps: 1 })).status).toBe(200);
  });

  it('broken answers every generation with a CUDA RuntimeError until set back to normal', async () => {
    const fake = await start();
    await fake.setMode('broken');
    for (let i = 0; i < 3; i++) {
      expect(await txt2img(fake)).toMatchObject({
        status: 500,
        body: {
          error: 'RuntimeError',
          detail: '',
          errors: expect.stringContaining('CUDA error: an illegal memory access'),
        },
      });
    }
    await fake.setMode('normal');
    expect((await txt2img(fake)).status).toBe(200);
  });

  it('validation422 answers generations with a FastAPI 422 body', async () => {
    const fake = await start({ mode: 'validation422', failTimes: 1 });
    expect(await txt2img(fake)).toMatchObject({
      status: 422,
      body: {
        detail: [{ loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' }],
      },
    });
    expect((await txt2img(fake)).status).toBe(200);
  });

  it('hang never answers a generation while /progress still does, and close() still ends', async () => {
    const fake = await startFakeA1111({ mode: 'hang' });
    const hung = txt2img(fake, { steps: 1 }, AbortSignal.timeout(10_000));
    await expect(txt2img(fake, { steps: 1 }, AbortSignal.timeout(200))).rejects.toThrow(/timeout|abort/i);
    expect((await callJson(`${fake.url}/sdapi/v1/progress`)).status).toBe(200);
    expect(fake.requests.filter((r) => r.path === '/sdapi/v1/txt2img')).toHaveLength(2);
    const t0 = Date.now();
    await fake.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await fetchErrorCode(hung)).not.toBe('no error');
  });

  it('reset breaks the connection in the middle of the response', async () => {
    const fake = await start({ mode: 'reset', failTimes: 1 });
    expect(await fetchErrorCode(txt2img(fake))).not.toBe('no error');
    expect(fake.stats()).toMatchObject({ generations: 1, failures: 1 });
    expect(fake.stats().jobs[0]!.outcome).toBe('reset');
    expect((await txt2img(fake)).status).toBe(200);
  });

  it('refuse closes the listener and any other mode reopens it on the same port', async () => {
    const fake = await start();
    const { url, port } = fake;
    await fake.setMode('refuse');
    expect(await fetchErrorCode(txt2img(fake))).toBe('ECONNREFUSED');
    expect(await fetchErrorCode(callJson(`${url}/sdapi/v1/progress`))).toBe('ECONNREFUSED');
    await fake.setMode('normal');
    expect(fake.port).toBe(port);
    expect(fake.url).toBe(url);
    expect((await txt2img(fake)).status).toBe(200);
  });

  it('refuse with forMs reopens by itself', async () => {
    const fake = await start({ mode: 'refuse' });
    await fake.setMode('refuse', { forMs: 100 });
    expect(await fetchErrorCode(txt2img(fake))).toBe('ECONNREFUSED');
    const reply = await waitFor(() => txt2img(fake).catch(() => undefined), 3_000);
    expect(reply.status).toBe(200);
    expect(fake.mode).toBe('normal');
  });
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('fake A1111: HTTP Basic auth', () => {
  it('answers both 401s as A1111 does and lets the right credentials through', async () => {
    const fake = await start({ auth: { username: 'sd', password: 's3cret' } });
    const none = await txt2img(fake);
    expect(none).toMatchObject({
      status: 401,
      body: { error: 'HTTPException', detail: 'Not authenticated' },
    });
    expect(none.headers.get('www-authenticate')).toBe('Basic');
    const wrong = await callJson(`${fake.url}/sdapi/v1/progress`, {
      headers: { authorization: basic('sd', 'nope') },
    });
    expect(wrong).toMatchObject({ status: 401, body: { detail: 'Incorrect username or password' } });
    const right = await callJson(`${fake.url}/sdapi/v1/txt2img`, {
      body: { steps: 1 },
      headers: { authorization: basic('sd', 's3cret') },
    });
    expect(right.status).toBe(200);
    expect(fake.requests.at(-1)!.authorization).toBe(basic('sd', 's3cret'));
    expect(fake.stats().generations).toBe(1);
  });
});

describe('fake A1111: recording and reset', () => {
  it('records every request in order and reset() clears requests and stats', async () => {
    const fake = await start();
    await txt2img(fake, { prompt: 'first', steps: 1 });
    await callJson(`${fake.url}/sdapi/v1/progress?skip_current_image=true`);
    expect(fake.requests.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual([
      'POST /sdapi/v1/txt2img',
      'GET /sdapi/v1/progress?skip_current_image=true',
    ]);
    expect(fake.requests[0]!.body).toEqual({ prompt: 'first', steps: 1 });
    const requests = fake.requests;
    fake.reset();
    expect(requests).toHaveLength(0);
    expect(fake.stats()).toMatchObject({ generations: 0, busyMs: 0, firstStartAt: null, jobs: [] });
  });
});

describe('fake A1111: control routes and process entry', () => {
  it('drives mode, delays, stats, requests and reset over HTTP', async () => {
    const fake = await start({ controlRoutes: true });
    const control = (path: string, body?: unknown) => callJson(`${fake.url}/fake/${path}`, { body });
    expect(await control('mode', { mode: 'error500', failTimes: 1 })).toMatchObject({ status: 200 });
    expect((await txt2img(fake)).status).toBe(500);
    expect((await txt2img(fake)).status).toBe(200);
    expect(await control('delays', { fixedDelayMs: 120 })).toMatchObject({ status: 200 });
    await txt2img(fake);
    const stats = (await control('stats')).body as FakeStats;
    expect(stats.generations).toBe(3);
    expect(stats.jobs[2]!.endAt - stats.jobs[2]!.startAt).toBeGreaterThanOrEqual(118);
    const requests = (await control('requests')).body as RecordedRequest[];
    expect(requests.map((r) => r.path)).toEqual([
      '/sdapi/v1/txt2img',
      '/sdapi/v1/txt2img',
      '/sdapi/v1/txt2img',
    ]);
    expect(await control('reset', {})).toMatchObject({ status: 200 });
    expect(fake.requests).toHaveLength(0);
    expect(fake.stats().generations).toBe(0);
    expect(await control('mode', { mode: 'sideways' })).toMatchObject({ status: 400 });
  });

  it('can refuse through a control route for a while and come back', async () => {
    const fake = await start({ controlRoutes: true });
    expect(await callJson(`${fake.url}/fake/mode`, { body: { mode: 'refuse', forMs: 150 } })).toMatchObject({
      status: 200,
    });
    expect(
      await waitFor(async () =>
        (await fetchErrorCode(txt2img(fake))) === 'ECONNREFUSED' ? true : undefined,
      ),
    ).toBe(true);
    const back = await waitFor(() => txt2img(fake).catch(() => undefined), 3_000);
    expect(back.status).toBe(200);
  });

  it('does not serve control routes unless asked to', async () => {
    const fake = await start();
    expect(await callJson(`${fake.url}/fake/stats`)).toMatchObject({
      status: 404,
      body: { detail: 'Not Found' },
    });
  });

  it('parses the CLI flags', () => {
    expect(
      parseFakeArgs([
        '--port',
        '0',
        '--fixed-delay-ms',
        '1000',
        '--step-delay-ms',
        '5',
        '--mode',
        'oom',
        '--fail-times',
        '2',
        '--auth',
        'u:p:q',
      ]),
    ).toMatchObject({
      port: 0,
      fixedDelayMs: 1000,
      stepDelayMs: 5,
      mode: 'oom',
      failTimes: 2,
      auth: { username: 'u', password: 'p:q' },
      controlRoutes: true,
    });
    expect(() => parseFakeArgs(['--mode', 'sideways'])).toThrow(/--mode/);
    expect(() => parseFakeArgs(['--port', '-1'])).toThrow(/--port/);
    expect(() => parseFakeArgs(['--bogus'])).toThrow();
  });

  it('announces its URL in one line and serves A1111 and control routes', async () => {
    const lines: string[] = [];
    const fake = await runFakeA1111(['--port', '0', '--step-delay-ms', '1'], (line) => lines.push(line));
    fakes.push(fake);
    expect(lines).toEqual([`${URL_LINE_PREFIX}${fake.url}`]);
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await txt2img(fake)).status).toBe(200);
    expect((await callJson(`${fake.url}/fake/stats`)).body).toMatchObject({ generations: 1 });
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startFakeA1111({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
