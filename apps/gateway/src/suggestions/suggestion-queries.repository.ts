import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import type { Subscription } from 'rxjs';
import { Sql, fromSqliteDate, toSqliteDate } from '../database/sql.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import {
  SUGGESTION_STATUSES,
  SuggestionEntity,
  type DecisionRule,
  type SuggestionStatus,
} from './suggestion.entity.js';

/** What a guest's own list shows of each suggestion (the hot path: read without entity hydration). */
export type OwnSuggestionRow = Pick<
  SuggestionEntity,
  'id' | 'prompt' | 'width' | 'height' | 'status' | 'submittedAt' | 'imageFile' | 'renderReview'
> & { edited: boolean };

/** Guests whose own list is kept in memory (the most recent ones). */
const OWN_LISTS_CACHED = 5_000;

/** Reads of suggestions, for pages, the API, the dispatcher and the result intake. Never writes. */
@Injectable()
export class SuggestionQueries implements OnModuleDestroy {
  /**
   * Each guest's own list, as their page shows it: read once, then served from memory until one of their
   * suggestions changes. The lifecycle announces every change with its author, so nothing is missed.
   */
  private readonly ownLists = new Map<number, { limit: number; rows: OwnSuggestionRow[] }>();
  /** Bumped on each change of a guest's suggestions, so a read that raced a change is not kept. */
  private readonly ownVersions = new Map<number, number>();
  private readonly subscription: Subscription;

  constructor(
    @InjectRepository(SuggestionEntity) private readonly suggestions: Repository<SuggestionEntity>,
    private readonly sql: Sql,
    live: LiveEventsService,
  ) {
    this.subscription = live.suggestions().subscribe(({ userId }) => {
      this.ownLists.delete(userId);
      this.ownVersions.set(userId, (this.ownVersions.get(userId) ?? 0) + 1);
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  findById(id: number): Promise<SuggestionEntity | null> {
    return this.suggestions.findOneBy({ id });
  }

  findWithAuthor(id: number): Promise<SuggestionEntity | null> {
    return this.suggestions.findOne({ where: { id }, relations: { user: true } });
  }

  /**
   * A guest's newest suggestions, for their page (the hot path): from memory when nothing of theirs
   * changed since the last read, else one prepared statement on the (user_id, id) index.
   */
  async listOwn(userId: number, limit: number): Promise<OwnSuggestionRow[]> {
    const cached = this.ownLists.get(userId);
    if (cached?.limit === limit) {
      // Most recent last, so the first key is the one to forget when full.
      this.ownLists.delete(userId);
      this.ownLists.set(userId, cached);
      return cached.rows;
    }
    const version = this.ownVersions.get(userId);
    const rows = await this.sql.all<
      Omit<OwnSuggestionRow, 'submittedAt' | 'edited'> & { submittedAt: string; edited: number }
    >(
      `SELECT id, prompt, width, height, status, submitted_at AS submittedAt, image_file AS imageFile,
         render_review AS renderReview, original_prompt IS NOT NULL AS edited
       FROM suggestions WHERE user_id = ? ORDER BY id DESC LIMIT ?`,
      [userId, limit],
    );
    const list = rows.map((row) => ({
      ...row,
      submittedAt: fromSqliteDate(row.submittedAt),
      edited: row.edited === 1,
    }));
    if (this.ownVersions.get(userId) === version) {
      this.ownLists.set(userId, { limit, rows: list });
      if (this.ownLists.size > OWN_LISTS_CACHED) this.ownLists.delete(this.ownLists.keys().next().value!);
    }
    return list;
  }

  /** A page of one user's suggestions in the given statuses (all when null), newest first, with the total. */
  async pageByUserAndStatuses(
    userId: number,
    statuses: readonly SuggestionStatus[] | null,
    offset: number,
    limit: number,
  ): Promise<{ rows: SuggestionEntity[]; total: number }> {
    const where = statuses ? { userId, status: In([...statuses]) } : { userId };
    const [rows, total] = await this.suggestions.findAndCount({
      where,
      order: { id: 'DESC' },
      skip: offset,
      take: limit,
    });
    return { rows, total };
  }

  /** Oldest first, with the author for the colour swatch. */
  listPendingWithAuthors(offset: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: 'pending' },
      relations: { user: true },
      order: { id: 'ASC' },
      skip: offset,
      take: limit,
    });
  }

  async countByStatus(): Promise<Record<SuggestionStatus, number>> {
    const rows = await this.sql.all<{ status: SuggestionStatus; n: number }>(
      `SELECT status, COUNT(*) AS n FROM suggestions GROUP BY status`,
    );
    const counts = emptyStatusCounts();
    for (const row of rows) if (row.status in counts) counts[row.status] = row.n;
    return counts;
  }

  /** Status counts for a page of users in one grouped query (on the user index), not one query per user. */
  async countByStatusForUsers(userIds: number[]): Promise<Map<number, Record<SuggestionStatus, number>>> {
    const counts = new Map<number, Record<SuggestionStatus, number>>();
    for (const id of userIds) counts.set(id, emptyStatusCounts());
    if (userIds.length === 0) return counts;
    const rows = await this.sql.all<{ userId: number; status: SuggestionStatus; n: number }>(
      `SELECT user_id AS userId, status, COUNT(*) AS n FROM suggestions
       WHERE user_id IN (SELECT value FROM json_each(?)) GROUP BY user_id, status`,
      [JSON.stringify(userIds)],
    );
    for (const row of rows) {
      const forUser = counts.get(row.userId);
      if (forUser && row.status in forUser) forUser[row.status] = row.n;
    }
    return counts;
  }

  /** Every suggestion of a user with its files: what deleting the user must remove. */
  listIdsAndFilesOfUser(
    userId: number,
  ): Promise<{ id: number; imageFile: string | null; pictureFile: string | null }[]> {
    return this.sql.all(
      `SELECT id, image_file AS imageFile, picture_file AS pictureFile FROM suggestions WHERE user_id = ? ORDER BY id`,
      [userId],
    );
  }

  /** Suggestions the renderer should have, oldest first, with their authors (for the colour). */
  listForDispatch(
    statuses: readonly SuggestionStatus[],
    afterId: number,
    limit: number,
  ): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: In([...statuses]), id: MoreThan(afterId) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /**
   * The show: rendered suggestions the room may see (no review needed, or passed), with their authors,
   * in submission order, after a given id.
   */
  listRenderedWithAuthors(afterId: number, limit: number): Promise<SuggestionEntity[]> {
    const shown = { status: 'rendered' as const, id: MoreThan(afterId), imageFile: Not(IsNull()) };
    return this.suggestions.find({
      where: [
        { ...shown, renderReview: IsNull() },
        { ...shown, renderReview: 'passed' },
      ],
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /**
   * Renders passed or hidden since a moment (the show's live mode): a passed one may be older than the
   * last slide the show has, and a hidden one must leave the screen.
   */
  listReviewedSince(since: Date, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      // On the review index: only passed or hidden renders have a review time.
      where: { renderReview: In(['passed', 'hidden']), status: 'rendered', reviewedAt: MoreThan(since) },
      relations: { user: true },
      order: { reviewedAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** Renders waiting for a person's Pass, oldest first (the renderer panel, the deck). */
  listWaitingForReview(afterId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: 'rendered', renderReview: 'waiting', id: MoreThan(afterId) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  countWaitingForReview(): Promise<number> {
    return this.suggestions.countBy({ status: 'rendered', renderReview: 'waiting' });
  }

  /** The ids of a user's suggestions waiting for a decision. */
  async pendingIdsOf(userId: number): Promise<number[]> {
    const rows = await this.sql.all<{ id: number }>(
      `SELECT id FROM suggestions WHERE user_id = ? AND status = 'pending' ORDER BY id`,
      [userId],
    );
    return rows.map((row) => row.id);
  }

  /** Which of these suggestions `rule` decided (whatever became of them since). */
  async decidedByRule(ids: readonly number[], rule: DecisionRule): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.all<{ id: number }>(
      `SELECT id FROM suggestions WHERE decision_rule = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id`,
      [rule, JSON.stringify(ids)],
    );
    return rows.map((row) => row.id);
  }

  /** What bulk actions need to know of each selected suggestion, in one query. */
  statesOf(
    ids: readonly number[],
  ): Promise<{ id: number; status: SuggestionStatus; flagged: number; hasPicture: number }[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.sql.all(
      `SELECT id, status, flagged_words IS NOT NULL AS flagged, picture_file IS NOT NULL AS hasPicture
       FROM suggestions WHERE id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(ids)],
    );
  }

  /** When the oldest prompt still waiting for a decision was sent (ids follow submission order). */
  async oldestPendingAt(): Promise<Date | null> {
    const row = await this.sql.get<{ at: string }>(
      `SELECT submitted_at AS at FROM suggestions WHERE status = 'pending' ORDER BY id LIMIT 1`,
    );
    return row ? fromSqliteDate(row.at) : null;
  }

  /** Decisions (by people or rules) since a moment, on the decided_at index. */
  async countDecidedSince(since: Date): Promise<number> {
    const row = await this.sql.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM suggestions WHERE decided_at >= ?`,
      [toSqliteDate(since)],
    );
    return row?.n ?? 0;
  }

  /** Seconds from start to image, on average over the latest renders (null before the first). */
  async averageRenderSeconds(latest: number): Promise<number | null> {
    const row = await this.sql.get<{ seconds: number | null }>(
      `SELECT AVG((julianday(rendered_at) - julianday(rendering_at)) * 86400) AS seconds FROM (
         SELECT rendered_at, rendering_at FROM suggestions
         WHERE status = 'rendered' AND rendering_at IS NOT NULL ORDER BY id DESC LIMIT ?)`,
      [latest],
    );
    return row?.seconds ?? null;
  }

  /**
   * The oldest pending suggestion not among `excluded` (ids other decks hold, or this deck skipped), with
   * its author: the deck's next card.
   */
  async nextPendingExcept(excluded: readonly number[]): Promise<SuggestionEntity | null> {
    const row = await this.sql.get<{ id: number }>(
      `SELECT id FROM suggestions WHERE status = 'pending' AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY id LIMIT 1`,
      [JSON.stringify(excluded)],
    );
    return row ? this.findWithAuthor(row.id) : null;
  }

  /** Likewise for renders waiting for review. */
  async nextWaitingForReviewExcept(excluded: readonly number[]): Promise<SuggestionEntity | null> {
    const row = await this.sql.get<{ id: number }>(
      `SELECT id FROM suggestions WHERE render_review = 'waiting' AND status = 'rendered'
         AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY id LIMIT 1`,
      [JSON.stringify(excluded)],
    );
    return row ? this.findWithAuthor(row.id) : null;
  }

  /** Every suggestion with its author, a page at a time in id order (the export). */
  listAllWithAuthors(afterId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { id: MoreThan(afterId) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** The latest failures, newest first, for the renderer panel. */
  listRecentFailed(limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: 'failed' },
      order: { failedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** The latest renders, newest first, for the renderer panel's thumbnails. */
  listRecentRendered(limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: 'rendered' },
      order: { renderedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}

export function emptyStatusCounts(): Record<SuggestionStatus, number> {
  return Object.fromEntries(SUGGESTION_STATUSES.map((status) => [status, 0])) as Record<
    SuggestionStatus,
    number
  >;
}
