import { Injectable } from '@nestjs/common';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, fromSqliteDate, toSqliteDate } from '../database/sql.service.js';
import type { SuggestionStatus } from './suggestion.entity.js';

/** An approved suggestion waiting for a worker, as the fair order lists it. */
export interface WaitingRow {
  id: number;
  userId: number;
  width: number;
  height: number;
  /** Put first (Render next, or handed over from a lost worker). */
  first: boolean;
}

/** An unfinished suggestion handed to a worker. */
export interface AssignedRow {
  id: number;
  userId: number;
  width: number;
  height: number;
  worker: string;
  status: SuggestionStatus;
}

/** What rendering a suggestion needs of it and its author: the job, then the PNG's metadata. */
export interface RenderSubject {
  id: number;
  userId: number;
  prompt: string;
  width: number;
  height: number;
  status: SuggestionStatus;
  worker: string | null;
  pictureFile: string | null;
  submittedAt: Date;
  decidedAt: Date | null;
  colourName: string;
  colourHex: string;
}

/** A finished render, for the measured time per worker and size. */
export interface RenderTimeRow {
  worker: string;
  width: number;
  height: number;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The order of rendering and who renders what: the fair order of approved suggestions, their assignment to
 * workers, and Render next. No statement here changes a status (SuggestionLifecycle does that).
 *
 * The fair order, in one statement on the (status, id) and (user_id, sent_at) indexes: first whatever was
 * put first, earliest first; then round-robin across authors, staff included: each author's oldest waiting
 * suggestion forms the first round, their second oldest the second, and so on; within a round the author
 * who has waited longest goes first. An author has waited since their last turn (the latest time one of
 * theirs was handed to a worker), or since their oldest waiting suggestion was approved if that is later.
 */
@Injectable()
export class RenderOrderRepository {
  constructor(
    private readonly sql: Sql,
    private readonly writer: SerialWriter,
  ) {}

  /** The next `limit` approved suggestions no worker has, in the fair order (-1: all of them). */
  async fairOrder(limit: number): Promise<WaitingRow[]> {
    const rows = await this.sql.all<Omit<WaitingRow, 'first'> & { first: number }>(
      `WITH waiting AS (
         SELECT id, user_id, width, height, decided_at, submitted_at, render_next_at,
           ROW_NUMBER() OVER (PARTITION BY user_id, render_next_at IS NULL ORDER BY id) AS round
         FROM suggestions WHERE status = 'approved' AND worker IS NULL
       ), authors AS (
         SELECT user_id,
           MAX(
             COALESCE(MIN(decided_at), MIN(submitted_at)),
             IFNULL((SELECT MAX(turn.sent_at) FROM suggestions turn WHERE turn.user_id = waiting.user_id), '')
           ) AS waiting_since
         FROM waiting GROUP BY user_id
       )
       SELECT w.id, w.user_id AS userId, w.width, w.height, w.render_next_at IS NOT NULL AS first
       FROM waiting w JOIN authors a ON a.user_id = w.user_id
       ORDER BY w.render_next_at IS NULL, w.render_next_at, w.round, a.waiting_since, w.id
       LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({ ...row, first: row.first === 1 }));
  }

  /** Every unfinished suggestion some worker has, in the order they were sent. */
  listAssigned(): Promise<AssignedRow[]> {
    return this.sql.all<AssignedRow>(
      `SELECT id, user_id AS userId, width, height, worker, status FROM suggestions
       WHERE status IN ('approved', 'queued', 'rendering') AND worker IS NOT NULL ORDER BY sent_at, id`,
    );
  }

  /** Unfinished suggestions marked as sent to the renderer before workers were recorded. */
  async listUnfinishedWithoutWorker(): Promise<number[]> {
    const rows = await this.sql.all<{ id: number }>(
      `SELECT id FROM suggestions WHERE status IN ('queued', 'rendering') AND worker IS NULL ORDER BY id`,
    );
    return rows.map((row) => row.id);
  }

  /** The latest renders that know their worker and start, newest first (measured times at start-up). */
  async listRecentRenderTimes(limit: number): Promise<RenderTimeRow[]> {
    const rows = await this.sql.all<{
      worker: string;
      width: number;
      height: number;
      startedAt: string;
      finishedAt: string;
    }>(
      `SELECT worker, width, height, rendering_at AS startedAt, rendered_at AS finishedAt FROM suggestions
       WHERE status = 'rendered' AND worker IS NOT NULL AND rendering_at IS NOT NULL AND rendered_at IS NOT NULL
       ORDER BY id DESC LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({
      ...row,
      startedAt: fromSqliteDate(row.startedAt),
      finishedAt: fromSqliteDate(row.finishedAt),
    }));
  }

  /**
   * The suggestions with what rendering needs of their authors, in the order given (missing ones left out).
   * One prepared statement: it runs for every job sent and every result stored.
   */
  async findForRender(ids: readonly number[]): Promise<RenderSubject[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.all<
      Omit<RenderSubject, 'submittedAt' | 'decidedAt'> & { submittedAt: string; decidedAt: string | null }
    >(
      `SELECT s.id, s.user_id AS userId, s.prompt, s.width, s.height, s.status, s.worker,
         s.picture_file AS pictureFile, s.submitted_at AS submittedAt, s.decided_at AS decidedAt,
         u.colour_name AS colourName, u.colour_hex AS colourHex
       FROM suggestions s JOIN users u ON u.id = s.user_id
       WHERE s.id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(ids)],
    );
    const byId = new Map(
      rows.map((row) => [
        row.id,
        {
          ...row,
          submittedAt: fromSqliteDate(row.submittedAt),
          decidedAt: row.decidedAt === null ? null : fromSqliteDate(row.decidedAt),
        },
      ]),
    );
    return ids.map((id) => byId.get(id)).filter((row): row is RenderSubject => row !== undefined);
  }

  /** Hands waiting suggestions to a worker: their author's turn. Returns the ids that were still waiting. */
  async assign(ids: readonly number[], worker: string, at: Date): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.writer.exclusive(() =>
      this.sql.all<{ id: number }>(
        `UPDATE suggestions SET worker = ?, sent_at = ?
         WHERE status = 'approved' AND worker IS NULL AND id IN (SELECT value FROM json_each(?)) RETURNING id`,
        [worker, toSqliteDate(at), JSON.stringify(ids)],
      ),
    );
    return rows.map((row) => row.id);
  }

  /** The worker did not take them after all (the renderer does not have that worker): they wait again. */
  async unassign(ids: readonly number[], worker: string): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.writer.exclusive(() =>
      this.sql.all<{ id: number }>(
        `UPDATE suggestions SET worker = NULL
         WHERE status = 'approved' AND worker = ? AND id IN (SELECT value FROM json_each(?)) RETURNING id`,
        [worker, JSON.stringify(ids)],
      ),
    );
    return rows.map((row) => row.id);
  }

  /** Render next: puts an approved suggestion first; its author and id, or undefined if it is not approved. */
  renderNext(id: number, at: Date): Promise<{ id: number; userId: number } | undefined> {
    return this.writer.exclusive(() =>
      this.sql.get<{ id: number; userId: number }>(
        `UPDATE suggestions SET render_next_at = ? WHERE id = ? AND status = 'approved'
         RETURNING id, user_id AS userId`,
        [toSqliteDate(at), id],
      ),
    );
  }
}
