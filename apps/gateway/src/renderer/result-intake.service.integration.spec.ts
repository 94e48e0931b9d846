import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient, renderedResult } from '../../../../test/support/fake-renderer-client.js';
import { rendererTestBed } from '../../../../test/support/gateway-modules.js';
import type { LiveEvent } from '../live/live-events.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { UsersRepository } from '../users/users.repository.js';

/** The result intake on a real SQLite file and output folder, with a fake renderer reporting to it. */
describe('ResultIntake (real SQLite, fake renderer)', () => {
  const temp = makeTempDir('vernissage-intake-');
  const renderer = new FakeRendererClient();
  let bed: Awaited<ReturnType<typeof rendererTestBed>>;
  let lifecycle: SuggestionLifecycle;
  let queries: SuggestionQueries;
  let users: UsersRepository;
  let events: LiveEvent[] = [];
  let guest: number;
  let host: number;

  beforeAll(async () => {
    bed = await rendererTestBed(temp.dir, renderer);
    ({ lifecycle, queries, users, guest, host } = bed);
    bed.module
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });
  beforeEach(() => {
    events = [];
  });

  async function queued(prompt: string, userId = guest): Promise<number> {
    const sent = await lifecycle.submit({ userId, prompt, width: 512, height: 512, pictureFile: null }, 100);
    if (!sent.ok) throw new Error('not submitted');
    await lifecycle.approve(sent.suggestionId, host);
    await eventually(
      async () => (await queries.findById(sent.suggestionId))!.status,
      (s) => s === 'queued',
      3000,
      'queued',
    );
    return sent.suggestionId;
  }

  const statuses = (id: number) =>
    events
      .filter((e): e is Extract<LiveEvent, { type: 'suggestion.status' }> => e.type === 'suggestion.status')
      .filter((e) => e.suggestionId === id)
      .map((e) => e.status);

  it('a job that finished at once still passes through rendering, then its PNG and metadata are stored', async () => {
    const id = await queued('a quick owl');
    events = [];
    // Start and result in the same report: the start is recorded first.
    renderer.report([{ suggestionId: id, startedAt: new Date().toISOString() }], [renderedResult(id, 99)]);
    await eventually(
      () => statuses(id),
      (s) => s.includes('rendered'),
      3000,
      'rendered',
    );
    expect(statuses(id)).toEqual(['rendering', 'rendered']);
    const stored = (await queries.findById(id))!;
    expect(stored).toMatchObject({ status: 'rendered', seed: 99, imageFile: `${id}.png` });
    expect(stored.renderingAt).toBeInstanceOf(Date);
    expect(
      readFileSync(join(bed.config.outputDir, `${id}.png`))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const metadata = JSON.parse(readFileSync(join(bed.config.outputDir, `${id}.json`), 'utf8'));
    expect(metadata).toMatchObject({
      id,
      prompt: 'a quick owl',
      seed: 99,
      width: 512,
      height: 512,
      backend: 'preview',
    });
    expect(metadata.colour.hex).toMatch(/^#[0-9a-f]{6}$/i);
    await eventually(
      () => renderer.unacknowledged,
      (n) => n === 0,
      3000,
      'everything acknowledged',
    );
  });

  it('a result delivered twice is stored once, and acknowledged both times', async () => {
    const id = await queued('twice');
    renderer.report([], [renderedResult(id, 1)]);
    await eventually(
      async () => (await queries.findById(id))!.status,
      (s) => s === 'rendered',
      3000,
      'rendered',
    );
    await eventually(
      () => renderer.unacknowledged,
      (n) => n === 0,
      3000,
      'acknowledged',
    );
    events = [];
    renderer.report([], [renderedResult(id, 2)]);
    await eventually(
      () => renderer.unacknowledged,
      (n) => n === 0,
      3000,
      'acknowledged again',
    );
    expect((await queries.findById(id))!.seed).toBe(1);
    expect(JSON.parse(readFileSync(join(bed.config.outputDir, `${id}.json`), 'utf8')).seed).toBe(1);
    expect(statuses(id)).toEqual([]);
  });

  it('a failure is recorded with its reason, once', async () => {
    const id = await queued('fails');
    const failure = {
      status: 'failed' as const,
      suggestionId: id,
      reason: 'CUDA out of memory (gave up after 4 attempts)',
      attempts: 4,
      backend: 'preview' as const,
      finishedAt: new Date().toISOString(),
    };
    renderer.report([], [failure]);
    await eventually(
      async () => (await queries.findById(id))!.status,
      (s) => s === 'failed',
      3000,
      'failed',
    );
    expect((await queries.findById(id))!.failureReason).toBe(failure.reason);
    expect(existsSync(join(bed.config.outputDir, `${id}.png`))).toBe(false);
  });

  it('a result for a suggestion deleted with its author is acknowledged and leaves no file', async () => {
    const leaver = (await users.createWithColour('guest', null)).id;
    const id = await queued('from someone who left', leaver);
    await users.deleteById(leaver);
    renderer.report([{ suggestionId: id, startedAt: new Date().toISOString() }], [renderedResult(id)]);
    await eventually(
      () => renderer.unacknowledged,
      (n) => n === 0,
      3000,
      'acknowledged',
    );
    expect(await queries.findById(id)).toBeNull();
    expect(existsSync(join(bed.config.outputDir, `${id}.png`))).toBe(false);
    expect(existsSync(join(bed.config.outputDir, `${id}.json`))).toBe(false);
  });
});
