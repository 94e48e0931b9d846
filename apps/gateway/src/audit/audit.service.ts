import { Injectable } from '@nestjs/common';
import type { AuditKind } from './audit-entry.entity.js';
import { AuditRepository, type AuditDraft, type AuditFilter } from './audit.repository.js';
import { kindOptions, toAuditEntryView, type AuditPageView } from './audit.view.js';

export const AUDIT_PAGE_SIZE = 50;

/** Records what people (and the automatic rules) did, and shows it to the admin. */
@Injectable()
export class AuditLog {
  constructor(private readonly repository: AuditRepository) {}

  record(...drafts: AuditDraft[]): Promise<void> {
    return this.repository.append(drafts);
  }

  /** Inside a write that holds the writer (see AuditRepository.appendHeld). */
  recordHeld(drafts: readonly AuditDraft[], at: Date): Promise<void> {
    return this.repository.appendHeld(drafts, at);
  }

  async page(query: { kind?: AuditKind | ''; actor?: string; page?: number }): Promise<AuditPageView> {
    const filter: AuditFilter = {
      kind: query.kind || undefined,
      actor: query.actor === 'auto' ? 'auto' : query.actor ? Number(query.actor) : undefined,
    };
    const total = await this.repository.count(filter);
    const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
    const page = Math.min(Math.max(1, query.page ?? 1), pages);
    const [rows, actors] = await Promise.all([
      this.repository.page(filter, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE),
      this.repository.actors(),
    ]);
    const href = (to: number) => {
      const params = new URLSearchParams();
      if (filter.kind) params.set('kind', filter.kind);
      if (filter.actor !== undefined) params.set('actor', String(filter.actor));
      if (to > 1) params.set('page', String(to));
      const text = params.toString();
      return `/admin/audit${text ? `?${text}` : ''}`;
    };
    return {
      entries: rows.map(toAuditEntryView),
      kinds: kindOptions(filter.kind),
      people: [
        { value: 'auto', label: 'Automatic rules', selected: filter.actor === 'auto' },
        ...actors.map((actor) => ({
          value: String(actor.actorId),
          label: actor.actorName ?? `#${actor.actorId}`,
          selected: filter.actor === actor.actorId,
        })),
      ],
      total,
      page,
      pages,
      previousHref: page > 1 ? href(page - 1) : null,
      nextHref: page < pages ? href(page + 1) : null,
      filtered: filter.kind !== undefined || filter.actor !== undefined,
    };
  }

  listAfter(afterId: number, limit: number) {
    return this.repository.listAfter(afterId, limit);
  }
}
