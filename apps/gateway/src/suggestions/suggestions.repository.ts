import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { SerialWriter } from '../database/serial-writer.js';
import { toSqliteDate } from '../users/users.repository.js';
import { SuggestionEntity, SuggestionStatus } from './suggestion.entity.js';

export interface NewSuggestion {
  userId: number;
  prompt: string;
  width: number;
  height: number;
}

@Injectable()
export class SuggestionsRepository {
  constructor(
    @InjectRepository(SuggestionEntity) private readonly suggestions: Repository<SuggestionEntity>,
    private readonly writer: SerialWriter,
  ) {}

  /**
   * Stores a new pending prompt unless its author already has `maxPending` waiting. One statement does
   * both the count and the insert, so two quick submissions cannot both slip under the limit, and the hot
   * path costs a single write. Null means the limit was reached.
   */
  createWithinPendingLimit(
    input: NewSuggestion,
    maxPending: number,
    now = new Date(),
  ): Promise<SuggestionEntity | null> {
    return this.writer.write(async (manager) => {
      // Written as a CTE so the driver runs it as a query and hands back the RETURNING row.
      const rows: { id: number }[] = await manager.query(
        `WITH waiting AS (SELECT COUNT(*) AS n FROM suggestions WHERE user_id = ? AND status = 'pending')
         INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at)
         SELECT ?, ?, ?, ?, 'pending', ? FROM waiting WHERE waiting.n < ?
         RETURNING id`,
        [input.userId, input.userId, input.prompt, input.width, input.height, toSqliteDate(now), maxPending],
      );
      if (rows.length === 0) return null;
      return manager.create(SuggestionEntity, {
        ...input,
        id: rows[0].id,
        status: 'pending',
        submittedAt: now,
        decidedAt: null,
        decidedById: null,
        queuedAt: null,
        renderingAt: null,
        renderedAt: null,
        failedAt: null,
        failureReason: null,
        seed: null,
        initImageFile: null,
        imageFile: null,
      });
    });
  }

  /** Records the stored img2img picture (`<id>.png` under UPLOAD_DIR) of a prompt. */
  setInitImageFile(id: number, file: string): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.update(SuggestionEntity, { id }, { initImageFile: file });
    });
  }

  findById(id: number): Promise<SuggestionEntity | null> {
    return this.suggestions.findOneBy({ id });
  }

  listByUser(userId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({ where: { userId }, order: { id: 'DESC' }, take: limit });
  }

  /** A page of one user's prompts in the given statuses (all when null), newest first, with the total. */
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
    const rows: { status: SuggestionStatus; n: number }[] = await this.suggestions
      .createQueryBuilder('s')
      .select('s.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .groupBy('s.status')
      .getRawMany();
    const counts = { pending: 0, approved: 0, denied: 0, queued: 0, rendering: 0, rendered: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /**
   * Moves a pending prompt to approved/denied. The status condition in the UPDATE makes a second or
   * concurrent decision a no-op, so the caller can answer 409 without any race.
   */
  decide(id: number, status: 'approved' | 'denied', deciderId: number, now = new Date()): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        SuggestionEntity,
        { id, status: 'pending' },
        { status, decidedAt: now, decidedById: deciderId },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Used when a guest is banned: everything they still have waiting is denied. Returns the ids, so each
   * change can be announced; select and update run in one transaction, so the two lists agree.
   */
  denyPendingOfUser(userId: number, deciderId: number, now = new Date()): Promise<number[]> {
    return this.writer.transaction(async (manager) => {
      const waiting = await manager.find(SuggestionEntity, {
        select: { id: true },
        where: { userId, status: 'pending' },
        order: { id: 'ASC' },
      });
      if (waiting.length === 0) return [];
      const ids = waiting.map((row) => row.id);
      await manager.update(
        SuggestionEntity,
        { id: In(ids), status: 'pending' },
        { status: 'denied', decidedAt: now, decidedById: deciderId },
      );
      return ids;
    });
  }

  /** Status counts for a page of users in one grouped query (on the user index), not one query per user. */
  async countByStatusForUsers(userIds: number[]): Promise<Map<number, Record<SuggestionStatus, number>>> {
    const counts = new Map<number, Record<SuggestionStatus, number>>();
    for (const id of userIds) counts.set(id, emptyStatusCounts());
    if (userIds.length === 0) return counts;
    const rows: { userId: number; status: SuggestionStatus; n: number }[] = await this.suggestions
      .createQueryBuilder('s')
      .select('s.user_id', 'userId')
      .addSelect('s.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('s.user_id IN (:...userIds)', { userIds })
      .groupBy('s.user_id')
      .addGroupBy('s.status')
      .getRawMany();
    for (const row of rows) {
      const forUser = counts.get(Number(row.userId));
      if (forUser && row.status in forUser) forUser[row.status] = Number(row.n);
    }
    return counts;
  }

  /** Every prompt of a user with its image file, if one was stored: what deleting the user must remove. */
  async listIdsAndImageFilesOfUser(
    userId: number,
  ): Promise<{ id: number; imageFile: string | null; initImageFile: string | null }[]> {
    const rows = await this.suggestions.find({
      select: { id: true, imageFile: true, initImageFile: true },
      where: { userId },
      order: { id: 'ASC' },
    });
    return rows.map((row) => ({ id: row.id, imageFile: row.imageFile, initImageFile: row.initImageFile }));
  }

  /** Prompts the renderer should have, oldest first, with their authors (for the colour). */
  listForDispatch(statuses: SuggestionStatus[], afterId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: In(statuses), id: MoreThan(afterId) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  findWithAuthor(id: number): Promise<SuggestionEntity | null> {
    return this.suggestions.findOne({ where: { id }, relations: { user: true } });
  }

  /** The show: rendered prompts with their authors, in submission order, after a given id. */
  listRenderedWithAuthors(afterId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { status: 'rendered', id: MoreThan(afterId), imageFile: Not(IsNull()) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Every prompt with its author, a page at a time in id order (the export). */
  listAllWithAuthors(afterId: number, limit: number): Promise<SuggestionEntity[]> {
    return this.suggestions.find({
      where: { id: MoreThan(afterId) },
      relations: { user: true },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  markQueued(ids: number[], now = new Date()): Promise<void> {
    return this.writer.write(async (manager) => {
      await manager.update(
        SuggestionEntity,
        { id: In(ids), status: 'approved' },
        { status: 'queued', queuedAt: now },
      );
    });
  }

  markRendering(id: number, now = new Date()): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        SuggestionEntity,
        { id, status: In(['approved', 'queued']) },
        { status: 'rendering', renderingAt: now },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Records a finished image. Only a prompt still on its way can become rendered, so a result that
   * arrives twice (re-sent after a restart) is recorded once.
   */
  markRendered(
    id: number,
    outcome: { seed: number | null; imageFile: string },
    now = new Date(),
  ): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        SuggestionEntity,
        { id, status: In(UNFINISHED_STATUSES) },
        {
          status: 'rendered',
          renderedAt: now,
          seed: outcome.seed,
          imageFile: outcome.imageFile,
          failureReason: null,
        },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  markFailed(id: number, reason: string, now = new Date()): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        SuggestionEntity,
        { id, status: In(UNFINISHED_STATUSES) },
        { status: 'failed', failedAt: now, failureReason: reason.slice(0, 2000) },
      );
      return (result.affected ?? 0) > 0;
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

  /** A failed prompt goes back to approved, so the dispatcher sends it again. */
  retryFailed(id: number): Promise<boolean> {
    return this.writer.write(async (manager) => {
      const result = await manager.update(
        SuggestionEntity,
        { id, status: 'failed' },
        { status: 'approved', failedAt: null, failureReason: null, queuedAt: null, renderingAt: null },
      );
      return (result.affected ?? 0) > 0;
    });
  }
}

export function emptyStatusCounts(): Record<SuggestionStatus, number> {
  return { pending: 0, approved: 0, denied: 0, queued: 0, rendering: 0, rendered: 0, failed: 0 };
}

/** Approved but not yet rendered or failed: what the renderer must have. */
export const UNFINISHED_STATUSES: SuggestionStatus[] = ['approved', 'queued', 'rendering'];
