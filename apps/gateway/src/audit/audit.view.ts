import { AUDIT_KINDS, type AuditKind } from './audit-entry.entity.js';
import type { AuditRow } from './audit.repository.js';

export const AUDIT_KIND_LABELS: Record<AuditKind, string> = {
  decision: 'Decision',
  edit: 'Edit',
  'auto-decision': 'Automatic decision',
  ban: 'Ban',
  trust: 'Trust',
  role: 'Role change',
  reveal: 'Reveal',
  settings: 'Settings change',
  'render-review': 'Render review',
  deletion: 'Deletion',
};

/** The rules that decide without a person, as the audit page and the export name them. */
export const RULE_LABELS: Record<string, string> = {
  'members-and-staff': 'Auto-approve: members and staff',
  'trusted-guest': 'Auto-approve: trusted guests',
  'grace-window': 'Auto-approve: not flagged after the grace window',
  'deny-words': 'Deny words',
};

export interface AuditEntryView {
  id: number;
  at: string;
  kind: AuditKind;
  kindLabel: string;
  action: string;
  /** The actor's colour and username, or the rule that acted. */
  who: string;
  actorColourHex: string | null;
  automatic: boolean;
  summary: string;
  /** Particulars, one line each ("Original: …", "Settings: before → after"). */
  lines: string[];
}

export interface AuditPageView {
  entries: AuditEntryView[];
  kinds: { value: string; label: string; selected: boolean }[];
  people: { value: string; label: string; selected: boolean }[];
  total: number;
  page: number;
  pages: number;
  previousHref: string | null;
  nextHref: string | null;
  filtered: boolean;
}

export function whoDid(row: Pick<AuditRow, 'actorId' | 'actorName' | 'rule'>): string {
  if (row.actorId === null) return row.rule ? (RULE_LABELS[row.rule] ?? row.rule) : 'Automatic';
  return row.actorName ?? `a deleted user (#${row.actorId})`;
}

export function toAuditEntryView(row: AuditRow): AuditEntryView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    kind: row.kind,
    kindLabel: AUDIT_KIND_LABELS[row.kind] ?? row.kind,
    action: row.action,
    who: whoDid(row),
    actorColourHex: row.actorId === null ? null : row.actorColourHex,
    automatic: row.actorId === null,
    summary: row.summary,
    lines: detailLines(row.details),
  };
}

/** The details as lines of text: an edit's two texts, a setting's old and new value. */
export function detailLines(details: string | null): string[] {
  if (!details) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object') return [];
  const lines: string[] = [];
  const record = parsed as Record<string, unknown>;
  if (typeof record.original === 'string') lines.push(`Original: ${record.original}`);
  if (typeof record.edited === 'string') lines.push(`Edited: ${record.edited}`);
  if (record.changes && typeof record.changes === 'object') {
    for (const [field, change] of Object.entries(record.changes as Record<string, unknown>)) {
      const { before, after } = (change ?? {}) as { before?: unknown; after?: unknown };
      lines.push(`${field}: ${show(before)} → ${show(after)}`);
    }
  }
  if (Array.isArray(record.deniedPromptIds) && record.deniedPromptIds.length > 0) {
    lines.push(`Denied: ${record.deniedPromptIds.map((id) => `#${String(id)}`).join(', ')}`);
  }
  return lines;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (value === '' || value === null || value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function kindOptions(selected: AuditKind | undefined) {
  return AUDIT_KINDS.map((value) => ({
    value,
    label: AUDIT_KIND_LABELS[value],
    selected: value === selected,
  }));
}
