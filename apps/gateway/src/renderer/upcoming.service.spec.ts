import { describe, expect, it } from 'vitest';
import { LiveEventsService } from '../live/live-events.service.js';
import type { RenderOrderRepository, WaitingRow } from '../suggestions/render-order.repository.js';
import { Upcoming } from './upcoming.service.js';

/** A fair order of `waiting` rows that counts its reads. */
function orderOf(waiting: number[]) {
  const reads: number[] = [];
  const row = (id: number): WaitingRow => ({ id, userId: id, width: 512, height: 512, first: false });
  const order = {
    fairOrder: async (limit: number) => {
      reads.push(limit);
      return (limit < 0 ? waiting : waiting.slice(0, limit)).map(row);
    },
  } as unknown as RenderOrderRepository;
  return { order, reads, waiting };
}

const ids = (rows: WaitingRow[]) => rows.map((row) => row.id);

describe('Upcoming: the head of the fair order, read ahead', () => {
  it('reads once, then hands out the head from memory as it is taken', async () => {
    const { order, reads } = orderOf(Array.from({ length: 100 }, (_, i) => i + 1));
    const upcoming = new Upcoming(order, new LiveEventsService());
    expect(ids(await upcoming.next(2))).toEqual([1, 2]);
    upcoming.taken([1, 2]);
    expect(ids(await upcoming.next(3))).toEqual([3, 4, 5]);
    upcoming.taken([3]);
    expect(ids(await upcoming.next(1))).toEqual([4]);
    expect(reads).toEqual([64]);
  });

  it('reads again after an approval or a Render next, not after a render', async () => {
    const source = orderOf([10, 11, 12]);
    const live = new LiveEventsService();
    const upcoming = new Upcoming(source.order, live);
    await upcoming.next(1);
    live.emit({ type: 'suggestion.status', suggestionId: 10, userId: 1, status: 'rendered' });
    live.emit({ type: 'suggestion.status', suggestionId: 11, userId: 1, status: 'queued' });
    await upcoming.next(1);
    expect(source.reads).toHaveLength(1);

    // A new approval may belong ahead of what was read.
    source.waiting.unshift(9);
    live.emit({ type: 'suggestion.status', suggestionId: 9, userId: 2, status: 'approved' });
    expect(ids(await upcoming.next(1))).toEqual([9]);
    expect(source.reads).toHaveLength(2);

    source.waiting.reverse();
    live.emit({ type: 'suggestion.reordered', suggestionId: 12, userId: 1 });
    expect(ids(await upcoming.next(1))).toEqual([12]);
    expect(source.reads).toHaveLength(3);
  });

  it('knows when it holds the whole order, and reads again for more only if there may be more', async () => {
    const short = orderOf([1, 2]);
    const upcoming = new Upcoming(short.order, new LiveEventsService());
    expect(ids(await upcoming.next(5))).toEqual([1, 2]);
    upcoming.taken([1]);
    expect(ids(await upcoming.next(5))).toEqual([2]);
    expect(short.reads).toHaveLength(1);

    const long = orderOf(Array.from({ length: 200 }, (_, i) => i + 1));
    const ahead = new Upcoming(long.order, new LiveEventsService());
    await ahead.next(1);
    // 60 handed out (assigned: no longer waiting); 4 left in memory, so 10 more need a read.
    ahead.taken(long.waiting.splice(0, 60));
    expect(ids(await ahead.next(10))).toEqual(Array.from({ length: 10 }, (_, i) => i + 61));
    expect(long.reads).toEqual([64, 64]);
  });

  it('forget: the next call reads again', async () => {
    const source = orderOf([1, 2, 3]);
    const upcoming = new Upcoming(source.order, new LiveEventsService());
    await upcoming.next(1);
    upcoming.forget();
    await upcoming.next(1);
    expect(source.reads).toHaveLength(2);
  });
});
