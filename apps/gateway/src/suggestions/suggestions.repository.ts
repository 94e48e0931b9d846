import { Injectable } from '@nestjs/common';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, toSqliteDate } from '../database/sql.service.js';
import type { SuggestionStatus } from './suggestion.entity.js';

export interface NewSuggestion {
  userId: number;
  prompt: string;
  width: number;
  height: number;
  /** The stored img2img picture (under UPLOAD_DIR), or null. */
  pictureFile: string | null;
}

/** The author of a suggestion a transition applied to. */
export interface Changed {
  id: number;
  userId: number;
}

/** Approved but not yet rendered or failed: what the renderer must have. */
export const UNFINISHED_STATUSES = ['approved', 'queued', 'rendering'] as const satisfies SuggestionStatus[];
const UNFINISHED = `('approved', 'queued', 'rendering')`;

/**
 * The statements that change a suggestion's status, used only by SuggestionLifecycle. Each transition is
 * one conditional statement (`… WHERE status IN (…) RETURNING …`): a transition that does not apply
 * changes nothing and returns no row, so two racing decisions cannot both win, and the caller learns
 * from the statement itself what it needs for its answer and its event.
 */
@Injectable()
export class SuggestionsRepository {
  /** Submissions arriving while the writer is busy are inserted together, in one transaction. */
  private readonly insertGrouped: (input: {
    suggestion: NewSuggestion;
    maxPending: number;
    at: Date;
  }) => Promise<number | null>;

  constructor(
    private readonly writer: SerialWriter,
    private readonly sql: Sql,
  ) {
    this.insertGrouped = writer.groupCommit(async ({ suggestion, maxPending, at }) => {
      // The count and the insert are one statement, so two quick submissions cannot both slip under the limit.
      const row = await sql.get<{ id: number }>(
        `WITH waiting AS (SELECT COUNT(*) AS n FROM suggestions WHERE user_id = ? AND status = 'pending')
         INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, picture_file)
         SELECT ?, ?, ?, ?, 'pending', ?, ? FROM waiting WHERE waiting.n < ?
         RETURNING id`,
        [
          suggestion.userId,
          suggestion.userId,
          suggestion.prompt,
          suggestion.width,
          suggestion.height,
          toSqliteDate(at),
          suggestion.pictureFile,
          maxPending,
        ],
      );
      return row?.id ?? null;
    });
  }

  /** The new suggestion's id, or null when its author already has `maxPending` waiting. */
  insertWithinPendingLimit(suggestion: NewSuggestion, maxPending: number, at: Date): Promise<number | null> {
    return this.insertGrouped({ suggestion, maxPending, at });
  }

  decide(
    id: number,
    status: 'approved' | 'denied',
    deciderId: number,
    reason: string | null,
    at: Date,
  ): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = ?, decided_at = ?, decided_by_id = ?, decision_reason = ?
       WHERE id = ? AND status = 'pending' RETURNING id, user_id AS userId`,
      [status, toSqliteDate(at), deciderId, reason, id],
    );
  }

  denyAllPendingOf(userId: number, deciderId: number, reason: string, at: Date): Promise<Changed[]> {
    return this.writer
      .exclusive(() =>
        this.sql.all<Changed>(
          `UPDATE suggestions SET status = 'denied', decided_at = ?, decided_by_id = ?, decision_reason = ?
         WHERE user_id = ? AND status = 'pending' RETURNING id, user_id AS userId`,
          [toSqliteDate(at), deciderId, reason, userId],
        ),
      )
      .then((rows) => rows.sort((a, b) => a.id - b.id));
  }

  queue(ids: readonly number[], at: Date): Promise<Changed[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.writer.exclusive(() =>
      this.sql.all<Changed>(
        `UPDATE suggestions SET status = 'queued', queued_at = ?
         WHERE status = 'approved' AND id IN (SELECT value FROM json_each(?)) RETURNING id, user_id AS userId`,
        [toSqliteDate(at), JSON.stringify(ids)],
      ),
    );
  }

  start(id: number, at: Date): Promise<Changed | undefined> {
    return this.one(
      // A start signal can overtake the dispatcher's own record of the renderer accepting the job: a job
      // that started was accepted, so its queue time is set too when missing.
      `UPDATE suggestions SET status = 'rendering', rendering_at = ?1, queued_at = COALESCE(queued_at, ?1)
       WHERE id = ?2 AND status IN ('approved', 'queued') RETURNING id, user_id AS userId`,
      [toSqliteDate(at), id],
    );
  }

  /** `start`, but only from the worker the suggestion was handed to: a lost worker's late signal is not news. */
  startOn(id: number, worker: string, at: Date): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = 'rendering', rendering_at = ?1, queued_at = COALESCE(queued_at, ?1)
       WHERE id = ?2 AND status IN ('approved', 'queued') AND worker = ?3 RETURNING id, user_id AS userId`,
      [toSqliteDate(at), id, worker],
    );
  }

  /**
   * Takes unfinished suggestions back from a worker (null: from none, as before workers were recorded): they
   * wait again, first in line, in the order they were first sent.
   */
  handOver(ids: readonly number[], worker: string | null, at: Date): Promise<Changed[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.writer.exclusive(() =>
      this.sql.all<Changed>(
        `UPDATE suggestions SET status = 'approved', worker = NULL, queued_at = NULL, rendering_at = NULL,
           render_next_at = COALESCE(render_next_at, sent_at, ?)
         WHERE worker IS ? AND status IN ${UNFINISHED} AND id IN (SELECT value FROM json_each(?))
         RETURNING id, user_id AS userId`,
        [toSqliteDate(at), worker, JSON.stringify(ids)],
      ),
    );
  }

  render(id: number, seed: number | null, imageFile: string, at: Date): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = 'rendered', rendered_at = ?, seed = ?, image_file = ?, failure_reason = NULL
       WHERE id = ? AND status IN ${UNFINISHED} RETURNING id, user_id AS userId`,
      [toSqliteDate(at), seed, imageFile, id],
    );
  }

  fail(id: number, reason: string, at: Date): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = 'failed', failed_at = ?, failure_reason = ?
       WHERE id = ? AND status IN ${UNFINISHED} RETURNING id, user_id AS userId`,
      [toSqliteDate(at), reason, id],
    );
  }

  retry(id: number): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = 'approved', failed_at = NULL, failure_reason = NULL, queued_at = NULL,
         rendering_at = NULL, worker = NULL
       WHERE id = ? AND status = 'failed' RETURNING id, user_id AS userId`,
      [id],
    );
  }

  /** Only asked when a transition did not apply, to say why. */
  async statusOf(id: number): Promise<SuggestionStatus | undefined> {
    return (
      await this.sql.get<{ status: SuggestionStatus }>(`SELECT status FROM suggestions WHERE id = ?`, [id])
    )?.status;
  }

  private one(sql: string, params: (string | number | null)[]): Promise<Changed | undefined> {
    return this.writer.exclusive(() => this.sql.get<Changed>(sql, params));
  }
}
