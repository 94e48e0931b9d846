import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../apps/gateway/src/live/live-events.js';
import { LiveEventsService } from '../apps/gateway/src/live/live-events.service.js';
import { SuggestionLifecycle } from '../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import { becomeAdmin, browser, csrfFrom, HTML, makeTempDir, openHome } from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';
import { openStream } from './support/event-stream.js';
import { startGpuStack, type GpuStack } from './support/render-stack.js';

/**
 * Two renderers with three fake AUTOMATIC1111 servers between them (the first renderer drives two at
 * 200 ms per image, the second one twice as fast, at 100 ms), one gateway feeding them: real TCP between
 * the apps, real HTTP to the fakes and to the gateway.
 */
describe('several GPUs: two renderers, three SD servers, one gateway', () => {
  const temp = makeTempDir('vernissage-gpus-');
  let stack: GpuStack;
  let lifecycle: SuggestionLifecycle;
  let queries: SuggestionQueries;
  let hostId: number;
  const events: LiveEvent[] = [];

  beforeAll(async () => {
    stack = await startGpuStack(temp.dir, [[200, 200], [100]], {
      gatewayEnv: { RENDERER_GRACE_MS: '1000' },
    });
    const app = stack.gateway.app;
    lifecycle = app.get(SuggestionLifecycle);
    queries = app.get(SuggestionQueries);
    hostId = (await app.get(UsersRepository).createWithColour('admin', null)).id;
    app
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    temp.cleanup();
  });

  const servers = () => stack.sds.flat();
  const generations = () => servers().map((sd) => sd.stats().generations);

  /** Approved prompts of `guests` fresh guests, round the guests. */
  async function approveFrom(guests: number, count: number, label: string): Promise<number[]> {
    const users = stack.gateway.app.get(UsersRepository);
    const authors = await Promise.all(
      Array.from({ length: guests }, async () => (await users.createWithColour('guest', null)).id),
    );
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const sent = await lifecycle.submit(
        { userId: authors[i % guests], prompt: `${label} ${i}`, width: 512, height: 512, pictureFile: null },
        1000,
      );
      if (!sent.ok) throw new Error('not submitted');
      ids.push(sent.suggestionId);
    }
    for (const id of ids) await lifecycle.approve(id, hostId);
    return ids;
  }

  async function allRendered(ids: number[], timeoutMs = 20_000): Promise<void> {
    await eventually(
      async () => (await Promise.all(ids.map(async (id) => (await queries.findById(id))!.status))).join(),
      (statuses) => statuses.split(',').every((status) => status === 'rendered'),
      timeoutMs,
      `${ids.length} prompts rendered`,
    );
  }

  /** Each id became `rendered` exactly once, and has exactly one image and one metadata file. */
  function storedOnce(ids: number[]): void {
    const files = readdirSync(stack.gateway.config.outputDir);
    for (const id of ids) {
      const renders = events.filter(
        (e) => e.type === 'suggestion.status' && e.suggestionId === id && e.status === 'rendered',
      );
      expect(renders, `#${id} rendered once`).toHaveLength(1);
      expect(files.filter((name) => name === `${id}.png` || name === `${id}.json`)).toHaveLength(2);
    }
  }

  it('renders every job once, spread by speed: the server twice as fast does about twice the work', async () => {
    for (const sd of servers()) sd.reset();
    const ids = await approveFrom(6, 60, 'spread');
    await allRendered(ids);
    storedOnce(ids);
    const [slowA, slowB, fast] = generations();
    expect(slowA + slowB + fast).toBe(ids.length);
    const slow = (slowA + slowB) / 2;
    // 200 ms against 100 ms per image: about 2×; the first jobs go out before any time is measured.
    expect(fast / slow).toBeGreaterThan(1.4);
    expect(fast / slow).toBeLessThan(2.8);
    expect(Math.min(slowA, slowB)).toBeGreaterThan(0);
    // The rows say which worker drew each.
    const workers = new Set(
      (await Promise.all(ids.map((id) => queries.findById(id)))).map((row) => row!.worker),
    );
    expect(workers.size).toBe(3);
  }, 40_000);

  it('one SD server of a renderer down: the others carry on, nothing lost or stored twice', async () => {
    for (const sd of servers()) sd.reset();
    const down = stack.sds[0][0];
    const ids = await approveFrom(4, 40, 'one down');
    await eventually(
      () => down.stats().generations,
      (n) => n >= 2,
      10_000,
      'the first server at work',
    );
    await down.setMode('refuse');
    try {
      await allRendered(ids, 30_000);
      storedOnce(ids);
      const drawnBefore = down.stats().generations;
      expect(generations().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ids.length);
      // Handed over after the 1 s grace period, so the server that went down drew only a few.
      expect(drawnBefore).toBeLessThan(ids.length / 4);
      // The panel says which server cannot work, and why.
      const panel = await adminPanel();
      expect(panel.workers[0]).toMatchObject({ state: expect.stringMatching(/^(waiting|unreachable)$/) });
      expect(panel.workers[0].stateText).toMatch(/not answering/);
    } finally {
      await down.setMode('normal');
    }
  }, 60_000);

  let admin: ReturnType<typeof browser>;
  let csrf: string;

  async function adminPanel() {
    if (!admin) {
      admin = browser(stack.gateway.url, 'Laptop/gpus-host');
      await becomeAdmin(stack.gateway, admin);
      csrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
    }
    const res = await admin.get('/admin/renderer').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    return res.body;
  }

  const post = (path: string) => admin.post(path).set('Accept', 'application/json').set('x-csrf-token', csrf);

  it("the host pauses SD servers one by one, sees each, and puts a prompt first; the guest sees 'about N minutes'", async () => {
    await eventually(
      async () => (await adminPanel()).workers.every((w: { current: unknown }) => w.current === null),
      Boolean,
      10_000,
      'no SD server at work',
    );
    // Only the first renderer's second server keeps working.
    expect((await post('/admin/renderer/workers/0/0/pause')).status).toBe(200);
    expect((await post('/admin/renderer/workers/1/0/pause')).status).toBe(200);
    expect((await post('/admin/renderer/workers/1/5/pause')).status).toBe(404);
    await eventually(
      async () =>
        (await adminPanel()).workers.map((w: { name: string; paused: boolean }) => [w.name, w.paused]),
      (workers) =>
        JSON.stringify(workers) ===
        JSON.stringify([
          ['SD server 1', true],
          ['SD server 2', false],
          ['SD server 3', true],
        ]),
      5000,
      'two of three SD servers paused on the panel',
    );

    // Slower images, so the guest's prompts are still waiting when the page is read.
    stack.sds[0][1].setDelays({ fixedDelayMs: 400 });
    const guest = browser(stack.gateway.url, 'Phone/gpus-guest');
    const { csrf: guestCsrf } = await openHome(guest);
    const stream = openStream(`${stack.gateway.url}/events`, guest, 'Phone/gpus-guest');
    await stream.ready;
    const mine: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = await guest
        .post('/prompts')
        .set('Accept', 'application/json')
        .set('x-csrf-token', guestCsrf)
        .send({ prompt: `guest waits ${i}`, width: 512, height: 512 });
      expect(sent.status).toBe(201);
      mine.push(sent.body.id as number);
    }
    const last = mine[9];
    const behind = mine[8];
    for (const id of mine) expect((await post(`/admin/prompts/${id}/approve`)).status).toBe(200);
    expect((await post(`/admin/renderer/next/${last}`)).status).toBe(200);
    // While it waits, the guest's page says how long, and a live hint says so too.
    const waitShown = new RegExp(`data-prompt-id="${behind}"[^]*?data-wait>(about \\d+ minutes?)<`);
    const shown = await eventually(
      async () => waitShown.exec((await guest.get('/').set('Accept', HTML)).text)?.[1],
      (text) => text !== undefined,
      5000,
      'the wait on the guest page',
    );
    expect(shown).toBe('about 1 minute');
    await eventually(
      () => stream.events.filter((e) => e.type === 'wait.changed' && e.data.suggestionId === behind),
      (hints) => hints.some((hint) => hint.data.minutes === 1),
      5000,
      'a wait hint',
    );
    expect((await adminPanel()).expected.prompts).toBeGreaterThan(0);
    await allRendered(mine, 20_000);
    stream.close();
    const rows = await Promise.all(mine.map((id) => queries.findById(id)));
    // One server at work, holding at most six (200 ms measured so far: its job and about a second behind
    // it): the one put first comes right after those, not last as its turn would have it.
    const order = rows
      .toSorted((a, b) => a!.renderedAt!.getTime() - b!.renderedAt!.getTime())
      .map((r) => r!.id);
    expect(order.indexOf(last)).toBeLessThanOrEqual(6);
    expect(new Set(rows.map((row) => row!.worker))).toEqual(
      new Set([`${stack.renderersSetting.split(',')[0]}/1`]),
    );
    // Done: nothing left to wait for.
    expect((await guest.get('/').set('Accept', HTML)).text).not.toMatch(/data-wait>about/);
    stack.sds[0][1].setDelays({ fixedDelayMs: 200 });
    expect((await post('/admin/renderer/resume')).status).toBe(200);
    await eventually(
      async () => (await adminPanel()).workers.map((w: { paused: boolean }) => w.paused),
      (paused: boolean[]) => paused.every((p) => !p),
      5000,
      'every SD server resumed',
    );
  }, 60_000);
});
