import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient, renderedResult } from '../../../../test/support/fake-renderer-client.js';
import { rendererTestBed } from '../../../../test/support/gateway-modules.js';
import { SuggestionStatus } from '../suggestions/suggestion.entity.js';

const GRACE_MS = 400;

/**
 * Workers that stop working hand their unfinished suggestions to the others after the grace period, on a
 * real SQLite file with fake renderers (the e2e tests do the same with real processes).
 */
describe('Hand-over from lost workers (real SQLite, fake renderers)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let bed: Awaited<ReturnType<typeof rendererTestBed>>;

  beforeEach(() => {
    temp = makeTempDir('vernissage-handover-');
  });
  afterEach(async () => {
    await bed?.close();
    temp.cleanup();
  });

  async function approveMany(count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const sent = await bed.lifecycle.submit(
        { userId: bed.guest, prompt: `hand-over ${i}`, width: 512, height: 512, pictureFile: null },
        100,
      );
      if (!sent.ok) throw new Error('not submitted');
      await bed.lifecycle.approve(sent.suggestionId, bed.host);
      ids.push(sent.suggestionId);
    }
    return ids;
  }

  const rows = (ids: number[]) => Promise.all(ids.map(async (id) => (await bed.queries.findById(id))!));
  const allAre = async (ids: number[], status: SuggestionStatus) =>
    (await rows(ids)).every((row) => row.status === status);

  /** A fake renderer's worker draws whatever it holds until every id is rendered. */
  async function drawOn(renderer: FakeRendererClient, worker: number, ids: number[]): Promise<void> {
    await eventually(
      async () => {
        renderer.finish(worker, 5_000);
        return allAre(ids, 'rendered');
      },
      Boolean,
      10_000,
      'everything rendered',
    );
  }

  it('a renderer that drops out: its jobs finish on the other; its late result is discarded and acknowledged', async () => {
    const lost = new FakeRendererClient({ workers: 1 });
    const other = new FakeRendererClient({ workers: 1 });
    bed = await rendererTestBed(temp.dir, [lost, other], { RENDERER_GRACE_MS: String(GRACE_MS) });
    const ids = await approveMany(4);
    await eventually(() => allAre(ids, 'queued'), Boolean, 3000, 'all queued');
    // Equal estimates: the jobs alternate between the two.
    expect(lost.holding(0)).toEqual([ids[0], ids[2]]);
    expect(other.holding(0)).toEqual([ids[1], ids[3]]);

    lost.drop();
    const droppedAt = Date.now();
    // Handed back: waiting again, first in line, for the other renderer to have room.
    await eventually(
      async () => (await rows([ids[0], ids[2]])).map((row) => [row.status, row.worker]),
      (states) => states.every(([status, worker]) => status === 'approved' && worker === null),
      5000,
      "the lost renderer's jobs handed back",
    );
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(GRACE_MS);
    expect((await rows([ids[0], ids[2]])).every((row) => row.renderNextAt !== null)).toBe(true);
    await drawOn(other, 0, ids);
    const drawn = await rows(ids);
    expect(drawn.map((row) => row.worker)).toEqual(ids.map(() => '127.0.0.1:2/0'));
    expect(drawn.map((row) => row.seed)).toEqual(ids.map(() => 1000));

    // It comes back with a result for a job done elsewhere meanwhile, and still holding the other one.
    lost.up = true;
    lost.report([], [renderedResult(ids[0], 4242)]);
    await eventually(
      () => lost.acks.flatMap((ack) => ack.suggestionIds),
      (acked) => acked.includes(ids[0]),
      5000,
      'the late result acknowledged',
    );
    expect(lost.unacknowledged).toBe(0);
    // Discarded: the image and metadata are the other worker's, stored once.
    expect((await rows([ids[0]]))[0]).toMatchObject({ status: 'rendered', seed: 1000 });
    const meta = JSON.parse(readFileSync(join(bed.config.outputDir, `${ids[0]}.json`), 'utf8'));
    expect(meta.seed).toBe(1000);
    // Told to drop what went elsewhere while it was away.
    await eventually(
      () => lost.holding(0),
      (held) => held.length === 0,
      3000,
      'the stale jobs cancelled',
    );
    expect(lost.cancelled).toEqual(expect.arrayContaining([ids[0], ids[2]]));
  });

  it("one SD server of a renderer down: its jobs go to the renderer's other SD server, which carries on", async () => {
    const renderer = new FakeRendererClient({ workers: 2 });
    bed = await rendererTestBed(temp.dir, renderer, { RENDERER_GRACE_MS: String(GRACE_MS) });
    const first = await approveMany(4);
    await eventually(() => allAre(first, 'queued'), Boolean, 3000, 'all queued');
    const onDown = renderer.holding(0);
    expect(onDown).toHaveLength(2);
    renderer.setSdDown(0, true);
    await eventually(
      async () => (await rows(onDown)).map((row) => row.worker),
      (workers) => workers.every((worker) => worker === null),
      5000,
      'its jobs handed back',
    );
    // Stopped on the server that is down, so they are not drawn twice when it returns.
    expect(renderer.holding(0)).toEqual([]);
    const later = await approveMany(2);
    await drawOn(renderer, 1, [...first, ...later]);
    expect((await rows([...first, ...later])).map((row) => row.worker)).toEqual(
      [...first, ...later].map(() => '127.0.0.1:1/1'),
    );
  });

  it('a worker the host pauses finishes its current job; its queued one goes elsewhere', async () => {
    const renderer = new FakeRendererClient({ workers: 2 });
    bed = await rendererTestBed(temp.dir, renderer, { RENDERER_GRACE_MS: String(GRACE_MS) });
    const ids = await approveMany(4);
    await eventually(() => allAre(ids, 'queued'), Boolean, 3000, 'all queued');
    const [current, queued] = renderer.holding(0);
    await renderer.send('render.pause', { worker: 0 });
    await eventually(
      async () => (await rows([queued]))[0].worker,
      (worker) => worker === null,
      5000,
      'the queued job handed back',
    );
    expect((await rows([current]))[0].worker).toBe('127.0.0.1:1/0');
    // While paused it gets nothing new.
    const later = await approveMany(2);
    await drawOn(renderer, 1, [...ids.filter((id) => id !== current), ...later]);
    expect(renderer.holding(0)).toEqual([current]);
  });
});
