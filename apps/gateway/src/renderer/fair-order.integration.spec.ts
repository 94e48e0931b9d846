import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient } from '../../../../test/support/fake-renderer-client.js';
import { rendererTestBed } from '../../../../test/support/gateway-modules.js';
import type { LiveEvent } from '../live/live-events.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderOrder } from '../suggestions/render-order.service.js';
import { WaitEstimates } from './wait-estimates.service.js';

/**
 * The order of rendering on a real SQLite file: round-robin across authors, Render next, and the wait each
 * guest is told. One fake SD server draws the jobs when the test says so, reporting how long each took.
 */
describe('Fair order, Render next and expected waits (real SQLite, fake renderer)', () => {
  const temp = makeTempDir('vernissage-fair-');
  const renderer = new FakeRendererClient({ workers: 1 });
  let bed: Awaited<ReturnType<typeof rendererTestBed>>;
  const events: LiveEvent[] = [];

  beforeAll(async () => {
    bed = await rendererTestBed(temp.dir, renderer);
    bed.module
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });

  async function approve(userId: number, prompt: string, size = 512): Promise<number> {
    const sent = await bed.lifecycle.submit(
      { userId, prompt, width: size, height: size, pictureFile: null },
      100,
    );
    if (!sent.ok) throw new Error('not submitted');
    const approved = await bed.lifecycle.approve(sent.suggestionId, bed.host);
    if (!approved.ok) throw new Error('not approved');
    return sent.suggestionId;
  }

  const unfinished = async () => {
    const counts = await bed.queries.countByStatus();
    return counts.approved + counts.queued + counts.rendering;
  };

  /** Draws every job, each as taking `ms`, one at a time as the worker gets it; the ids in drawing order. */
  async function drawAll(ms: number): Promise<number[]> {
    const drawn: number[] = [];
    await eventually(
      async () => {
        const id = renderer.finish(0, ms);
        if (id !== undefined) drawn.push(id);
        return unfinished();
      },
      (left) => left === 0,
      10_000,
      'everything drawn',
    );
    return drawn;
  }

  it('a guest with 10 approved prompts does not hold back 5 guests with 1 each (staff follow the same rule)', async () => {
    const greedy = (await bed.users.createWithColour('guest', null)).id;
    const many: number[] = [];
    for (let i = 0; i < 10; i++) many.push(await approve(greedy, `greedy ${i}`));
    const singles: number[] = [];
    for (const role of ['guest', 'guest', 'guest', 'guest', 'moderator'] as const) {
      const author = (await bed.users.createWithColour(role, null)).id;
      singles.push(await approve(author, `single from a ${role}`));
    }
    const drawn = await drawAll(5_000);
    expect(drawn.toSorted((a, b) => a - b)).toEqual([...many, ...singles].toSorted((a, b) => a - b));
    // The worker already held the first two of the ten when the others were approved; from then on each
    // round gives every waiting author one turn, so all five come before the greedy guest's fourth.
    const fourthOfMany = drawn.indexOf(many[3]);
    for (const single of singles) expect(drawn.indexOf(single)).toBeLessThan(fourthOfMany);
    // The greedy guest's own prompts keep their order.
    expect(drawn.filter((id) => many.includes(id))).toEqual(many);
  });

  it('Render next puts a prompt before every other waiting one', async () => {
    const author = (await bed.users.createWithColour('guest', null)).id;
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push(await approve(author, `in line ${i}`));
    await eventually(
      () => renderer.holding(0).length,
      (n) => n === 2,
      3000,
      'the worker holding two',
    );
    const last = ids[7];
    await expect(bed.module.get(RenderOrder).renderNext(last)).resolves.toMatchObject({ ok: true });
    const drawn = await drawAll(5_000);
    // What the worker already held goes first; then the one put first.
    expect(drawn.slice(0, 3)).toEqual([ids[0], ids[1], last]);
    await expect(bed.module.get(RenderOrder).renderNext(last)).resolves.toMatchObject({
      ok: false,
      reason: 'wrong-status',
      status: 'rendered',
    });
  });

  it('tells each guest their wait in minutes from the measured times, and it shrinks as images come', async () => {
    const waits = bed.module.get(WaitEstimates);
    const author = (await bed.users.createWithColour('guest', null)).id;
    // One 768×768 image measured at 30 s (the fake reports its start and finish 30 s apart); the earlier
    // tests measured only 512×512 ones.
    await approve(author, 'measured', 768);
    await drawAll(30_000);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await approve(author, `waiting ${i}`, 768));
    await eventually(
      () => renderer.holding(0).length,
      (n) => n === 2,
      3000,
      'the worker holding two',
    );
    events.length = 0;
    await waits.refresh();
    // Ten images at 30 s each, one worker: the last is about 5 minutes away, the first well under one.
    expect(waits.minutesFor(ids[9])).toBe(5);
    expect(waits.minutesFor(ids[0])).toBe(1);
    expect(waits.summary()).toEqual({ minutes: 5, prompts: 10 });
    for (let i = 0; i < 4; i++) {
      await eventually(
        () => renderer.finish(0, 30_000),
        (id) => id !== undefined,
        3000,
        'a job to draw',
      );
    }
    await eventually(unfinished, (left) => left === 6, 3000, 'four drawn');
    await waits.refresh();
    expect(waits.minutesFor(ids[9])).toBe(3);
    expect(waits.minutesFor(ids[0])).toBeNull();
    const told = events
      .filter((e): e is Extract<LiveEvent, { type: 'wait.changed' }> => e.type === 'wait.changed')
      .filter((e) => e.suggestionId === ids[9]);
    // Told 5, then less as images came (a background refresh may have said 4 on the way), finally 3.
    const minutes = told.map((e) => e.minutes!);
    expect(minutes[0]).toBe(5);
    expect(minutes.at(-1)).toBe(3);
    expect(minutes.toSorted((a, b) => b - a)).toEqual(minutes);
    expect(told.every((e) => e.userId === author)).toBe(true);
    await drawAll(30_000);
  });
});
