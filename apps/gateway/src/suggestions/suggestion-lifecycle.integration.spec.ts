import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { moduleTestBed, type ModuleTestBed } from '../../../../test/support/gateway-modules.js';
import type { LiveEvent } from '../live/live-events.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { BANNED_REASON, SuggestionLifecycle } from './suggestion-lifecycle.service.js';
import { SuggestionQueries } from './suggestion-queries.repository.js';
import { SuggestionsModule } from './suggestions.module.js';
import { UsersModule } from '../users/users.module.js';

/** Every transition and every refusal, on a real SQLite file, through the lifecycle alone (no HTTP). */
describe('SuggestionLifecycle (real SQLite)', () => {
  const temp = makeTempDir('vernissage-lifecycle-');
  let bed: ModuleTestBed;
  let lifecycle: SuggestionLifecycle;
  let queries: SuggestionQueries;
  let events: LiveEvent[];
  let guest: number;
  let host: number;

  beforeAll(async () => {
    bed = await moduleTestBed(temp.dir, [SuggestionsModule, UsersModule]);
    lifecycle = bed.module.get(SuggestionLifecycle);
    queries = bed.module.get(SuggestionQueries);
    bed.module
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
    const users = bed.module.get(UsersRepository);
    guest = (await users.createWithColour('guest', null)).id;
    host = (await users.createWithColour('admin', null)).id;
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });
  beforeEach(() => {
    events = [];
  });

  async function submitted(prompt = 'a fox in the snow'): Promise<number> {
    const result = await lifecycle.submit(
      { userId: guest, prompt, width: 512, height: 512, pictureFile: null },
      1000,
    );
    if (!result.ok) throw new Error('not submitted');
    return result.suggestionId;
  }

  const statusOf = async (id: number) => (await queries.findById(id))?.status;

  it('submit: pending, with its time, and one created event', async () => {
    const at = new Date('2026-11-29T20:00:00.123Z');
    const result = await lifecycle.submit(
      { userId: guest, prompt: 'an owl', width: 512, height: 768, pictureFile: 'x.png' },
      1000,
      at,
    );
    expect(result).toEqual({ ok: true, suggestionId: expect.any(Number), userId: guest, submittedAt: at });
    const stored = await queries.findById((result as { suggestionId: number }).suggestionId);
    expect(stored).toMatchObject({
      status: 'pending',
      prompt: 'an owl',
      height: 768,
      pictureFile: 'x.png',
      submittedAt: at,
    });
    expect(events).toEqual([{ type: 'suggestion.created', suggestionId: stored!.id, userId: guest }]);
  });

  it('submit: the pending limit holds under a burst, grouped into few transactions, and is a typed refusal', async () => {
    const users = bed.module.get(UsersRepository);
    const burstUser = (await users.createWithColour('guest', null)).id;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        lifecycle.submit(
          { userId: burstUser, prompt: `burst ${i}`, width: 512, height: 512, pictureFile: null },
          5,
        ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok)).toEqual(Array(25).fill({ ok: false, reason: 'pending-limit' }));
    expect((await queries.countByStatusForUsers([burstUser])).get(burstUser)!.pending).toBe(5);
    expect(events.filter((e) => e.type === 'suggestion.created')).toHaveLength(5);
  });

  it('approve and deny: once each; a second decision, either way, is refused with the status it found', async () => {
    const approved = await submitted();
    const denied = await submitted();
    expect(await lifecycle.approve(approved, host)).toEqual({
      ok: true,
      suggestionId: approved,
      userId: guest,
    });
    expect(await lifecycle.deny(denied, host, 'not tonight')).toEqual({
      ok: true,
      suggestionId: denied,
      userId: guest,
    });
    expect(await lifecycle.deny(approved, host)).toEqual({
      ok: false,
      suggestionId: approved,
      reason: 'wrong-status',
      status: 'approved',
    });
    expect(await lifecycle.approve(denied, host)).toMatchObject({
      ok: false,
      reason: 'wrong-status',
      status: 'denied',
    });
    expect(await lifecycle.approve(999_999, host)).toEqual({
      ok: false,
      suggestionId: 999_999,
      reason: 'not-found',
    });
    expect(await queries.findById(approved)).toMatchObject({ status: 'approved', decidedById: host });
    expect(await queries.findById(denied)).toMatchObject({ status: 'denied', decisionReason: 'not tonight' });
    expect(events.filter((e) => e.type === 'suggestion.status')).toEqual([
      { type: 'suggestion.status', suggestionId: approved, userId: guest, status: 'approved' },
      { type: 'suggestion.status', suggestionId: denied, userId: guest, status: 'denied' },
    ]);
  });

  it('racing decisions: exactly one of ten concurrent approvals and denials applies', async () => {
    const id = await submitted();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? lifecycle.approve(id, host) : lifecycle.deny(id, host))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'suggestion.status')).toHaveLength(1);
  });

  it('queue → start → render: each once; a render for a rendered suggestion is refused (stored once)', async () => {
    const id = await submitted();
    await lifecycle.approve(id, host);
    const pending = await submitted();
    expect(await lifecycle.queue([id, pending, 999_999])).toEqual([
      { ok: true, suggestionId: id, userId: guest },
    ]);
    expect(await lifecycle.queue([id])).toEqual([]);
    expect(await lifecycle.start(id)).toMatchObject({ ok: true });
    expect(await lifecycle.start(id)).toMatchObject({
      ok: false,
      reason: 'wrong-status',
      status: 'rendering',
    });
    expect(await lifecycle.render(id, { seed: 42, file: `${id}.png` })).toMatchObject({ ok: true });
    expect(await lifecycle.render(id, { seed: 43, file: 'other.png' })).toMatchObject({
      ok: false,
      reason: 'wrong-status',
      status: 'rendered',
    });
    expect(await lifecycle.fail(id, 'too late')).toMatchObject({ ok: false, status: 'rendered' });
    expect(await queries.findById(id)).toMatchObject({
      status: 'rendered',
      seed: 42,
      imageFile: `${id}.png`,
    });
    expect(await statusOf(pending)).toBe('pending');
    expect(
      events.filter((e) => e.type === 'suggestion.status').map((e) => (e as { status: string }).status),
    ).toEqual(['approved', 'queued', 'rendering', 'rendered']);
  });

  it('a result may overtake its signals: approved or queued may be rendered or failed directly', async () => {
    const rendered = await submitted();
    const failed = await submitted();
    await lifecycle.approve(rendered, host);
    await lifecycle.approve(failed, host);
    await lifecycle.queue([failed]);
    expect(await lifecycle.render(rendered, { seed: null, file: `${rendered}.png` })).toMatchObject({
      ok: true,
    });
    expect(await lifecycle.fail(failed, 'CUDA out of memory')).toMatchObject({ ok: true });
    expect(await queries.findById(failed)).toMatchObject({
      status: 'failed',
      failureReason: 'CUDA out of memory',
    });
  });

  it('nothing before approval: a pending or denied suggestion is never queued, started, rendered or failed', async () => {
    const pending = await submitted();
    const denied = await submitted();
    await lifecycle.deny(denied, host);
    for (const id of [pending, denied]) {
      expect(await lifecycle.queue([id])).toEqual([]);
      expect(await lifecycle.start(id)).toMatchObject({ ok: false, reason: 'wrong-status' });
      expect(await lifecycle.render(id, { seed: 1, file: 'x.png' })).toMatchObject({
        ok: false,
        reason: 'wrong-status',
      });
      expect(await lifecycle.fail(id, 'x')).toMatchObject({ ok: false, reason: 'wrong-status' });
    }
    expect([await statusOf(pending), await statusOf(denied)]).toEqual(['pending', 'denied']);
  });

  it('retry: only a failed suggestion goes back to approved, its failure cleared', async () => {
    const id = await submitted();
    expect(await lifecycle.retry(id)).toMatchObject({ ok: false, reason: 'wrong-status', status: 'pending' });
    await lifecycle.approve(id, host);
    expect(await lifecycle.retry(id)).toMatchObject({
      ok: false,
      reason: 'wrong-status',
      status: 'approved',
    });
    await lifecycle.cancel(id);
    expect(await queries.findById(id)).toMatchObject({
      status: 'failed',
      failureReason: 'Cancelled by the host',
    });
    expect(await lifecycle.retry(id)).toMatchObject({ ok: true });
    expect(await queries.findById(id)).toMatchObject({
      status: 'approved',
      failureReason: null,
      failedAt: null,
    });
    expect(await lifecycle.retry(999_999)).toMatchObject({ ok: false, reason: 'not-found' });
  });

  it('a result for a deleted suggestion is refused as not found', async () => {
    const users = bed.module.get(UsersRepository);
    const leaver = (await users.createWithColour('guest', null)).id;
    const result = await lifecycle.submit(
      { userId: leaver, prompt: 'gone soon', width: 512, height: 512, pictureFile: null },
      5,
    );
    const id = (result as { suggestionId: number }).suggestionId;
    await lifecycle.approve(id, host);
    await users.deleteById(leaver);
    expect(await lifecycle.render(id, { seed: 1, file: `${id}.png` })).toEqual({
      ok: false,
      suggestionId: id,
      reason: 'not-found',
    });
    expect(await lifecycle.start(id)).toMatchObject({ ok: false, reason: 'not-found' });
  });

  it("a ban denies all the guest's pending suggestions at once, with the reason, and nobody else's", async () => {
    const users = bed.module.get(UsersRepository);
    const banned = (await users.createWithColour('guest', null)).id;
    const mine = [];
    for (let i = 0; i < 3; i++) {
      const r = await lifecycle.submit(
        { userId: banned, prompt: `mine ${i}`, width: 512, height: 512, pictureFile: null },
        5,
      );
      mine.push((r as { suggestionId: number }).suggestionId);
    }
    await lifecycle.approve(mine[2], host);
    const other = await submitted();
    events = [];
    const denied = await lifecycle.denyAllPendingOf(banned, host);
    expect(denied.map((d) => d.suggestionId)).toEqual([mine[0], mine[1]]);
    expect(await queries.findById(mine[0])).toMatchObject({
      status: 'denied',
      decisionReason: BANNED_REASON,
    });
    expect(await statusOf(mine[2])).toBe('approved');
    expect(await statusOf(other)).toBe('pending');
    expect(events).toHaveLength(2);
    expect(await lifecycle.denyAllPendingOf(banned, host)).toEqual([]);
  });

  it("a guest's own list is served from memory, and follows every change of theirs at once", async () => {
    const users = bed.module.get(UsersRepository);
    const reader = (await users.createWithColour('guest', null)).id;
    const sent = await lifecycle.submit(
      { userId: reader, prompt: 'cached', width: 512, height: 512, pictureFile: null },
      5,
    );
    const id = (sent as { suggestionId: number }).suggestionId;
    const first = await queries.listOwn(reader, 50);
    expect(first.map((row) => [row.id, row.status])).toEqual([[id, 'pending']]);
    // Same answer without asking the database again (the very same rows).
    expect(await queries.listOwn(reader, 50)).toBe(first);
    await lifecycle.approve(id, host);
    expect((await queries.listOwn(reader, 50)).map((row) => row.status)).toEqual(['approved']);
    await lifecycle.queue([id]);
    await lifecycle.start(id);
    await lifecycle.render(id, { seed: 5, file: `${id}.png` });
    expect(await queries.listOwn(reader, 50)).toMatchObject([
      { id, status: 'rendered', imageFile: `${id}.png` },
    ]);
    // Someone else's change leaves this list where it is.
    const cached = await queries.listOwn(reader, 50);
    await submitted('not theirs');
    expect(await queries.listOwn(reader, 50)).toBe(cached);
  });
});
