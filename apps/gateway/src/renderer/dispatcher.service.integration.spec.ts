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
describe('Dispatcher (real SQLite, fake renderer)', () => {
  const temp = makeTempDir('vernissage-dispatch-');
  const renderer = new FakeRendererClient();
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

  it('sends an approved suggestion at once, with the host settings and colour, and records it queued', async () => {
    const id = await approved('a lighthouse');
    await eventually(
      () => statusOf(id),
      (s) => s === 'queued',
      3000,
      'queued',
    );
    const job = renderer.enqueued.find((j) => j.suggestionId === id)!;
    expect(job).toMatchObject({ prompt: 'a lighthouse', width: 512, height: 768, settings: { steps: 20 } });
    expect(job.colourHex).toMatch(/^#[0-9a-f]{6}$/i);
    expect(job.initImage).toBeUndefined();
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
    await eventually(
      () => statusOf(marker),
      (s) => s === 'queued',
      3000,
      'the marker queued',
    );
    const sent = renderer.enqueued.map((j) => j.suggestionId);
    expect(sent).not.toContain(pending.suggestionId);
    expect(sent).not.toContain(denied.suggestionId);
  });

  it('sends a picture with its job, and fails a suggestion whose picture file is gone', async () => {
    mkdirSync(bed.config.uploadDir, { recursive: true });
    writeFileSync(join(bed.config.uploadDir, 'there.png'), Buffer.from('picture bytes'));
    const withPicture = await approved('from a picture', 'there.png');
    const missing = await approved('from a lost picture', 'gone.png');
    await eventually(
      () => statusOf(withPicture),
      (s) => s === 'queued',
      3000,
      'queued with its picture',
    );
    expect(renderer.enqueued.find((j) => j.suggestionId === withPicture)!.initImage).toBe(
      Buffer.from('picture bytes').toString('base64'),
    );
    await eventually(
      () => statusOf(missing),
      (s) => s === 'failed',
      3000,
      'failed without its picture',
    );
    expect((await queries.findById(missing))!.failureReason).toMatch(/picture .* missing/);
    expect(renderer.enqueued.some((j) => j.suggestionId === missing)).toBe(false);
  });

  it('after a drop, sends every unfinished suggestion again (the renderer may have lost its queue)', async () => {
    const queued = await approved('queued before the drop');
    await eventually(
      () => statusOf(queued),
      (s) => s === 'queued',
      3000,
      'queued',
    );
    const rendering = await approved('rendering before the drop');
    await eventually(
      () => statusOf(rendering),
      (s) => s === 'queued',
      3000,
      'queued',
    );
    await lifecycle.start(rendering);
    renderer.drop();
    renderer.enqueued.length = 0;
    const whileDown = await approved('approved while the link is down');
    expect(await statusOf(whileDown)).toBe('approved');
    renderer.up = true;
    await eventually(
      () => renderer.enqueued.map((j) => j.suggestionId),
      (ids) => [queued, rendering, whileDown].every((id) => ids.includes(id)),
      5000,
      'everything unfinished sent again',
    );
    await eventually(
      () => statusOf(whileDown),
      (s) => s === 'queued',
      3000,
      'queued after the link is back',
    );
    // Re-sending does not move anything backwards.
    expect(await statusOf(rendering)).toBe('rendering');
  });
});
