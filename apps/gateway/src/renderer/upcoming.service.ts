import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderOrderRepository, type WaitingRow } from '../suggestions/render-order.repository.js';

/** Rows of the fair order read at once: a dispatch usually wants one or two. */
const READ_AHEAD = 64;

/**
 * The head of the fair order, read ahead and handed out from memory. Reading the order is a window over
 * every approved suggestion (milliseconds at a big party); the dispatcher asks after every finished image.
 * Handing out the head does not change the order of the rest (its author just moves to the back of each
 * round, where their later suggestions already are), so the list stays right until something enters or
 * moves in it: an approval (also a retry or a hand-over, which approve again) or a Render next. Those
 * make the next call read again. A row that stopped waiting meanwhile is harmless: assigning it fails.
 */
@Injectable()
export class Upcoming implements OnModuleDestroy {
  private rows: WaitingRow[] = [];
  private stale = true;
  /** The last read returned the whole order (fewer rows than asked). */
  private complete = false;
  private readonly subscription: Subscription;

  constructor(
    private readonly order: RenderOrderRepository,
    live: LiveEventsService,
  ) {
    this.subscription = live.suggestions().subscribe((event) => {
      if (
        (event.type === 'suggestion.status' && event.status === 'approved') ||
        event.type === 'suggestion.reordered'
      )
        this.stale = true;
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  /** The first `count` waiting suggestions in the fair order. */
  async next(count: number): Promise<WaitingRow[]> {
    if (this.stale || (this.rows.length < count && !this.complete)) {
      // Cleared before the read: an approval that lands during it makes the next call read again.
      this.stale = false;
      const wanted = Math.max(count, READ_AHEAD);
      this.rows = await this.order.fairOrder(wanted);
      this.complete = this.rows.length < wanted;
    }
    return this.rows.slice(0, count);
  }

  /** These were handed out (or could not be): they leave the list. */
  taken(ids: Iterable<number>): void {
    const gone = new Set(ids);
    this.rows = this.rows.filter((row) => !gone.has(row.id));
  }

  /** Read again on the next call (the board was rebuilt from the database). */
  forget(): void {
    this.stale = true;
  }
}
