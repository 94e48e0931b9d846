import { Injectable } from '@nestjs/common';
import { SerialWriter } from '../database/serial-writer.js';
import { Sql, fromSqliteDate, toSqliteDate, type SqlParam } from '../database/sql.service.js';
import type { AuditKind } from './audit-entry.entity.js';

/** One action to record; who did it and to whom are read from `users` as they are now (a snapshot). */
export interface AuditDraft {
  kind: AuditKind;
  action: string;
  /** Null for an automatic action. */
  actorId: number | null;
  rule?: string | null;
  suggestionId?: number | null;
  subjectUserId?: number | null;
  /** Only when the subject's row is gone (a deleted user): their name as it was. */
  subjectName?: string | null;
  summary: string;
  details?: Record<string, unknown> | null;
}

export interface AuditRow {
  id: number;
  at: Date;
  kind: AuditKind;
  action: string;
  actorId: number | null;
  actorName: string | null;
  actorColourHex: string | null;
  rule: string | null;
  suggestionId: number | null;
  subjectUserId: number | null;
  subjectName: string | null;
  summary: string;
  details: string | null;
}

/** Who to list: a person's id, the automatic rules (`auto`), or everyone (undefined). */
export interface AuditFilter {
  kind?: AuditKind;
  actor?: number | 'auto';
}

/** "coral (sam)": a user's colour, and their username when they have one. */
const NAME_OF = `(SELECT colour_name || COALESCE(' (' || username || ')', '') FROM users WHERE id = ?)`;

const COLUMNS = `id, at, kind, action, actor_id AS actorId, actor_name AS actorName,
  actor_colour_hex AS actorColourHex, rule, suggestion_id AS suggestionId, subject_user_id AS subjectUserId,
  subject_name AS subjectName, summary, details`;

/** The audit log's statements (prepared, through Sql); entries are only ever added. */
@Injectable()
export class AuditRepository {
  constructor(
    private readonly writer: SerialWriter,
    private readonly sql: Sql,
  ) {}

  /** Records entries on their own. */
  append(drafts: readonly AuditDraft[], at = new Date()): Promise<void> {
    if (drafts.length === 0) return Promise.resolve();
    return this.writer.atomic(() => this.appendHeld(drafts, at));
  }

  /**
   * Records entries inside a write that already holds the writer (a transition's transaction), so the
   * action and its entry are kept together. Never call it otherwise.
   */
  async appendHeld(drafts: readonly AuditDraft[], at = new Date()): Promise<void> {
    for (const draft of drafts) {
      await this.sql.run(
        `INSERT INTO audit_log (at, kind, action, actor_id, actor_name, actor_colour_hex, rule, suggestion_id,
           subject_user_id, subject_name, summary, details)
         VALUES (?, ?, ?, ?, ${NAME_OF}, (SELECT colour_hex FROM users WHERE id = ?), ?, ?, ?,
           COALESCE(?, ${NAME_OF}), ?, ?)`,
        [
          toSqliteDate(at),
          draft.kind,
          draft.action,
          draft.actorId,
          draft.actorId,
          draft.actorId,
          draft.rule ?? null,
          draft.suggestionId ?? null,
          draft.subjectUserId ?? null,
          draft.subjectName ?? null,
          draft.subjectUserId ?? null,
          draft.summary,
          draft.details ? JSON.stringify(draft.details) : null,
        ],
      );
    }
  }

  /** Newest first, one page (on the kind or actor index). */
  async page(filter: AuditFilter, offset: number, limit: number): Promise<AuditRow[]> {
    const { where, params } = whereOf(filter);
    const rows = await this.sql.all<AuditRow & { at: string }>(
      `SELECT ${COLUMNS} FROM audit_log ${where} ORDER BY id DESC LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    return rows.map(withDate);
  }

  async count(filter: AuditFilter): Promise<number> {
    const { where, params } = whereOf(filter);
    return (await this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log ${where}`, params))!.n;
  }

  /** Everyone who did something, with the name of their latest entry, for the page's person filter. */
  actors(): Promise<{ actorId: number; actorName: string | null }[]> {
    return this.sql.all(
      `SELECT actor_id AS actorId, actor_name AS actorName FROM audit_log
       WHERE id IN (SELECT MAX(id) FROM audit_log WHERE actor_id IS NOT NULL GROUP BY actor_id)
       ORDER BY actor_name`,
    );
  }

  /** Oldest first, a batch at a time (the export). */
  async listAfter(afterId: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.sql.all<AuditRow & { at: string }>(
      `SELECT ${COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`,
      [afterId, limit],
    );
    return rows.map(withDate);
  }
}

function whereOf(filter: AuditFilter): { where: string; params: SqlParam[] } {
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  if (filter.kind) {
    clauses.push('kind = ?');
    params.push(filter.kind);
  }
  if (filter.actor === 'auto') clauses.push('actor_id IS NULL');
  else if (filter.actor !== undefined) {
    clauses.push('actor_id = ?');
    params.push(filter.actor);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function withDate(row: AuditRow & { at: string }): AuditRow {
  return { ...row, at: fromSqliteDate(row.at) };
}
