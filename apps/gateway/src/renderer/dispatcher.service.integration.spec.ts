import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient } from '../../../../test/support/fake-renderer-client.js';
import { rendererTestBed } from '../../../../test/support/gateway-modules.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';

/** The dispatcher on a real SQLite file, with the renderer replaced by a fake client (no TCP). */
describe('Dispatcher (real SQLite, fake renderer with one SD server)', () => {
  const temp = makeTempDir('vernissage-dispatch-');
  const renderer = new FakeRendererClient({ workers: 1 });
  const WORKER = '127.0.0.1:1/0';
  let bed: Awaited<ReturnType<typeof rendererTestBed>>;
  let lifecycle: SuggestionLifecycle;
  let queries: SuggestionQueries;
  let guest: number;
  let host: number;

  beforeAll(async () => {
    bed = await rendererTestBed(temp.dir, renderer);
    ({ lifecycle, queries, guest, host } = bed);
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });

  async function approved(prompt: string, pictureFile: string | null = null): Promise<number> {
    const sent = await lifecycle.submit({ userId: guest, prompt, width: 512, height: 768, pictureFile }, 100);
    if (!sent.ok) throw new Error('not submitted');
    await lifecycle.approve(sent.suggestionId, host);
    return sent.suggestionId;
  }

  const statusOf = async (id: number) => (await queries.findById(id))!.status;
  const until = (id: number, status: string, what = status) =>
    eventually(
      () => statusOf(id),
      (s) => s === status,
      3000,
      what,
    );

  /** The fake SD server draws everything it holds (and whatever is handed to it meanwhile), 5 s each. */
  async function drawAll(): Promise<void> {
    await eventually(
      async () => {
        renderer.finish(0, 5000);
        return (await queries.countByStatus()) as Record<string, number>;
      },
      (counts) => counts.approved + counts.queued + counts.rendering === 0,
      5000,
      'everything drawn',
    );
  }

  it('sends an approved suggestion at once, to the named worker, with the host settings and colour', async () => {
    const id = await approved('a lighthouse');
    await until(id, 'queued');
    const job = renderer.enqueued.find((j) => j.suggestionId === id)!;
    expect(job).toMatchObject({ prompt: 'a lighthouse', width: 512, height: 768, settings: { steps: 20 } });
    expect(job.colourHex).toMatch(/^#[0-9a-f]{6}$/i);
    expect(job.initImage).toBeUndefined();
    expect(renderer.sentTo.get(id)).toBe(0);
    expect(await queries.findById(id)).toMatchObject({ worker: WORKER, sentAt: expect.any(Date) });
    await drawAll();
  });

  it('keeps only a short queue on the worker: the rest waits in the database, approved', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await approved(`short queue ${i}`));
    await until(ids[1], 'queued');
    // A job is measured to take seconds, so the worker holds its job and one behind it.
    expect(renderer.holding(0)).toEqual(ids.slice(0, 2));
    expect(await Promise.all(ids.slice(2).map(statusOf))).toEqual([
      'approved',
      'approved',
      'approved',
      'approved',
    ]);
    // Drawn fast, the next ones follow: the short queue refills as jobs finish.
    renderer.finish(0, 50);
    await until(ids[2], 'queued');
    await drawAll();
    expect(
      renderer.enqueued.filter((job) => ids.includes(job.suggestionId)).map((j) => j.suggestionId),
    ).toEqual(ids);
  });

  it('never sends a pending or denied suggestion', async () => {
    const pending = await lifecycle.submit(
      { userId: guest, prompt: 'pending', width: 512, height: 512, pictureFile: null },
      100,
    );
    const denied = await lifecycle.submit(
      { userId: guest, prompt: 'denied', width: 512, height: 512, pictureFile: null },
      100,
    );
    if (!pending.ok || !denied.ok) throw new Error('not submitted');
    await lifecycle.deny(denied.suggestionId, host);
    const marker = await approved('after them');
    await until(marker, 'queued', 'the marker queued');
    const sent = renderer.enqueued.map((j) => j.suggestionId);
    expect(sent).not.toContain(pending.suggestionId);
    expect(sent).not.toContain(denied.suggestionId);
    await drawAll();
  });

  it('sends a picture with its job, and fails a suggestion whose picture file is gone', async () => {
    mkdirSync(bed.config.uploadDir, { recursive: true });
    writeFileSync(join(bed.config.uploadDir, 'there.png'), Buffer.from('picture bytes'));
    const withPicture = await approved('from a picture', 'there.png');
    const missing = await approved('from a lost picture', 'gone.png');
    await until(withPicture, 'queued', 'queued with its picture');
    expect(renderer.enqueued.find((j) => j.suggestionId === withPicture)!.initImage).toBe(
      Buffer.from('picture bytes').toString('base64'),
    );
    await until(missing, 'failed', 'failed without its picture');
    expect((await queries.findById(missing))!.failureReason).toMatch(/picture .* missing/);
    expect(renderer.enqueued.some((j) => j.suggestionId === missing)).toBe(false);
    await drawAll();
  });

  it('after a drop, sends the worker its unfinished suggestions again (it may have lost its queue)', async () => {
    const rendering = await approved('rendering before the drop');
    const queued = await approved('queued before the drop');
    await until(queued, 'queued');
    await lifecycle.start(rendering);
    renderer.drop();
    renderer.forget();
    renderer.enqueued.length = 0;
    const whileDown = await approved('approved while the link is down');
    expect(await statusOf(whileDown)).toBe('approved');
    renderer.up = true;
    await eventually(
      () => renderer.enqueued.map((j) => j.suggestionId),
      (ids) => [rendering, queued].every((id) => ids.includes(id)),
      5000,
      'its unfinished suggestions sent again',
    );
    expect(renderer.holding(0)).toEqual([rendering, queued]);
    // Re-sending does not move anything backwards.
    expect(await statusOf(rendering)).toBe('rendering');
    // The one approved meanwhile goes once there is room.
    renderer.finish(0, 50);
    await until(whileDown, 'queued', 'queued after the link is back');
    await drawAll();
  });

  it('a renderer older than several SD servers (no worker list) gets jobs as its only worker', async () => {
    const old = new FakeRendererClient();
    const dir = makeTempDir('vernissage-dispatch-old-');
    const oldBed = await rendererTestBed(dir.dir, old);
    try {
      const sent = await oldBed.lifecycle.submit(
        { userId: oldBed.guest, prompt: 'to an old renderer', width: 512, height: 512, pictureFile: null },
        10,
      );
      if (!sent.ok) throw new Error('not submitted');
      await oldBed.lifecycle.approve(sent.suggestionId, oldBed.host);
      await eventually(
        async () => (await oldBed.queries.findById(sent.suggestionId))!.status,
        (s) => s === 'queued',
        3000,
        'queued',
      );
      expect(old.sentTo.get(sent.suggestionId)).toBe(0);
    } finally {
      await oldBed.close();
      dir.cleanup();
    }
  });
});
