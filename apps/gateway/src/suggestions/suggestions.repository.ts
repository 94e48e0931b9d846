import { Injectable } from '@nestjs/common';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, toSqliteDate } from '../database/sql.service.js';
import type { DecisionRule, RenderReview, SuggestionStatus } from './suggestion.entity.js';

export interface NewSuggestion {
  userId: number;
  prompt: string;
  width: number;
  height: number;
  /** The stored img2img picture (under UPLOAD_DIR), or null. */
  pictureFile: string | null;
  /** Hold words found in the text: it is Flagged. */
  flaggedWords?: readonly string[] | null;
}

/** The author of a suggestion a transition applied to. */
export interface Changed {
  id: number;
  userId: number;
}

/** A decision's row: also its text, for the audit log. */
export interface Decided extends Changed {
  prompt: string;
}

/** Runs inside the transition's own transaction, with its rows: the audit entries go in with it. */
export type Alongside<T> = (rows: T[]) => Promise<void>;

/** The Auto-approve rules that pick suggestions by their author or their age. */
export type AutoRule = Exclude<DecisionRule, 'deny-words'>;

/** Who each rule approves at once; the grace window approves whoever waited long enough. */
const AUTHOR_OF_RULE: Record<Exclude<AutoRule, 'grace-window'>, string> = {
  'members-and-staff': `role IN ('member', 'moderator', 'admin')`,
  'trusted-guest': `trusted = 1`,
};

/** Never approved without a person: a picture (img2img) or a flagged text. */
const SEEN_BY_NOBODY_YET = `status = 'pending' AND flagged_words IS NULL AND picture_file IS NULL`;

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
    this.insertGrouped = writer.groupCommit(({ suggestion, maxPending, at }) =>
      this.insertPendingHeld(suggestion, maxPending, at),
    );
  }

  /** The count and the insert are one statement, so two quick submissions cannot both slip under the limit. */
  private async insertPendingHeld(
    suggestion: NewSuggestion,
    maxPending: number,
    at: Date,
  ): Promise<number | null> {
    const flagged = suggestion.flaggedWords?.length ? JSON.stringify(suggestion.flaggedWords) : null;
    const row = await this.sql.get<{ id: number }>(
      `WITH waiting AS (SELECT COUNT(*) AS n FROM suggestions WHERE user_id = ? AND status = 'pending')
       INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, picture_file, flagged_words)
       SELECT ?, ?, ?, ?, 'pending', ?, ?, ? FROM waiting WHERE waiting.n < ?
       RETURNING id`,
      [
        suggestion.userId,
        suggestion.userId,
        suggestion.prompt,
        suggestion.width,
        suggestion.height,
        toSqliteDate(at),
        suggestion.pictureFile,
        flagged,
        maxPending,
      ],
    );
    return row?.id ?? null;
  }

  /** The new suggestion's id, or null when its author already has `maxPending` waiting. */
  insertWithinPendingLimit(suggestion: NewSuggestion, maxPending: number, at: Date): Promise<number | null> {
    return this.insertGrouped({ suggestion, maxPending, at });
  }

  /**
   * A suggestion that arrives denied (its text has a Deny word): never pending, so no moderator's screen
   * shows it; recorded with the rule and the reason, under the same pending limit as any other.
   */
  insertDenied(
    suggestion: NewSuggestion,
    reason: string,
    maxPending: number,
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<number | null> {
    return this.writer.atomic(async () => {
      const row = await this.sql.get<{ id: number }>(
        `WITH waiting AS (SELECT COUNT(*) AS n FROM suggestions WHERE user_id = ? AND status = 'pending')
         INSERT INTO suggestions (user_id, prompt, width, height, status, submitted_at, picture_file,
           decided_at, decision_reason, decision_rule)
         SELECT ?, ?, ?, ?, 'denied', ?, ?, ?, ?, 'deny-words' FROM waiting WHERE waiting.n < ?
         RETURNING id`,
        [
          suggestion.userId,
          suggestion.userId,
          suggestion.prompt,
          suggestion.width,
          suggestion.height,
          toSqliteDate(at),
          suggestion.pictureFile,
          toSqliteDate(at),
          reason,
          maxPending,
        ],
      );
      if (!row) return null;
      await alongside([{ id: row.id, userId: suggestion.userId, prompt: suggestion.prompt }]);
      return row.id;
    });
  }

  decide(
    id: number,
    status: 'approved' | 'denied',
    deciderId: number,
    reason: string | null,
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<Decided | undefined> {
    return this.oneAlongside(
      `UPDATE suggestions SET status = ?, decided_at = ?, decided_by_id = ?, decision_reason = ?
       WHERE id = ? AND status = 'pending' RETURNING id, user_id AS userId, prompt`,
      [status, toSqliteDate(at), deciderId, reason, id],
      alongside,
    );
  }

  /** Many at once (bulk): one statement, one transaction; those no longer pending are left out. */
  decideMany(
    ids: readonly number[],
    status: 'approved' | 'denied',
    deciderId: number,
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<Decided[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.manyAlongside(
      `UPDATE suggestions SET status = ?, decided_at = ?, decided_by_id = ?
       WHERE status = 'pending' AND id IN (SELECT value FROM json_each(?)) RETURNING id, user_id AS userId, prompt`,
      [status, toSqliteDate(at), deciderId, JSON.stringify(ids)],
      alongside,
    );
  }

  /**
   * Edit and approve in one step. The guest's own text is kept (`original_prompt`, set once: a second
   * edit keeps the first original) and returned as `prompt`, for the audit log.
   */
  editAndApprove(
    id: number,
    text: string,
    deciderId: number,
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<Decided | undefined> {
    return this.oneAlongside(
      `UPDATE suggestions SET original_prompt = COALESCE(original_prompt, prompt), prompt = ?, status = 'approved',
         decided_at = ?, decided_by_id = ?
       WHERE id = ? AND status = 'pending' RETURNING id, user_id AS userId, original_prompt AS prompt`,
      [text, toSqliteDate(at), deciderId, id],
      alongside,
    );
  }

  /**
   * Approves, by one Auto-approve rule, every pending suggestion it covers (optionally only one, or only
   * one author's). Pictures and flagged texts are excluded by the statement itself, whatever the caller.
   */
  autoApprove(
    rule: AutoRule,
    scope: { id?: number; userId?: number; submittedBy?: Date },
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<Decided[]> {
    const where = [SEEN_BY_NOBODY_YET];
    const params: (string | number | null)[] = [toSqliteDate(at), rule];
    if (rule === 'grace-window') {
      if (!scope.submittedBy) return Promise.resolve([]);
      where.push('submitted_at <= ?');
      params.push(toSqliteDate(scope.submittedBy));
    } else {
      where.push(
        `EXISTS (SELECT 1 FROM users u WHERE u.id = suggestions.user_id AND u.banned = 0 AND u.${AUTHOR_OF_RULE[rule]})`,
      );
    }
    if (scope.id !== undefined) {
      where.push('id = ?');
      params.push(scope.id);
    }
    if (scope.userId !== undefined) {
      where.push('user_id = ?');
      params.push(scope.userId);
    }
    return this.dueFirst(where, params.slice(2), () =>
      this.manyAlongside(
        `UPDATE suggestions SET status = 'approved', decided_at = ?, decided_by_id = NULL, decision_rule = ?
         WHERE ${where.join(' AND ')} RETURNING id, user_id AS userId, prompt`,
        params,
        alongside,
      ),
    );
  }

  /**
   * The sweep asks twice a second and usually finds nothing: a plain read (on the status index) says so
   * without taking the writer from the guests' submissions.
   */
  private async dueFirst(
    where: string[],
    params: (string | number | null)[],
    approve: () => Promise<Decided[]>,
  ): Promise<Decided[]> {
    const due = await this.sql.get(`SELECT 1 FROM suggestions WHERE ${where.join(' AND ')} LIMIT 1`, params);
    return due ? approve() : [];
  }

  /**
   * Review renders: a rendered image is passed (also one hidden before: the host changed their mind) or
   * hidden (any rendered image, at any time). `from` lists the review states the change applies to.
   */
  review(
    id: number,
    review: Exclude<RenderReview, 'waiting'>,
    from: readonly (RenderReview | null)[],
    at: Date,
    alongside: Alongside<Decided>,
  ): Promise<Decided | undefined> {
    const states = from.filter((state) => state !== null);
    const acceptsNone = from.includes(null);
    return this.oneAlongside(
      `UPDATE suggestions SET render_review = ?, reviewed_at = ?
       WHERE id = ? AND status = 'rendered'
         AND (render_review IN (SELECT value FROM json_each(?))${acceptsNone ? ' OR render_review IS NULL' : ''})
       RETURNING id, user_id AS userId, prompt`,
      [review, toSqliteDate(at), id, JSON.stringify(states)],
      alongside,
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

  /** With `review`, the image waits for a person's Pass before the show or its author sees it. */
  render(
    id: number,
    seed: number | null,
    imageFile: string,
    review: boolean,
    at: Date,
  ): Promise<Changed | undefined> {
    return this.one(
      `UPDATE suggestions SET status = 'rendered', rendered_at = ?, seed = ?, image_file = ?, failure_reason = NULL,
         render_review = ?
       WHERE id = ? AND status IN ${UNFINISHED} RETURNING id, user_id AS userId`,
      [toSqliteDate(at), seed, imageFile, review ? 'waiting' : null, id],
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
    return (await this.stateOf(id))?.status;
  }

  /** The status and the render review, to say why a review did not apply. */
  stateOf(id: number): Promise<{ status: SuggestionStatus; review: RenderReview | null } | undefined> {
    return this.sql.get(`SELECT status, render_review AS review FROM suggestions WHERE id = ?`, [id]);
  }

  private one(sql: string, params: (string | number | null)[]): Promise<Changed | undefined> {
    return this.writer.exclusive(() => this.sql.get<Changed>(sql, params));
  }

  private async oneAlongside(
    sql: string,
    params: (string | number | null)[],
    alongside: Alongside<Decided>,
  ): Promise<Decided | undefined> {
    return (await this.manyAlongside(sql, params, alongside))[0];
  }

  private manyAlongside(
    sql: string,
    params: (string | number | null)[],
    alongside: Alongside<Decided>,
  ): Promise<Decided[]> {
    return this.writer.atomic(async () => {
      const rows = (await this.sql.all<Decided>(sql, params)).toSorted((a, b) => a.id - b.id);
      if (rows.length > 0) await alongside(rows);
      return rows;
    });
  }
}
