import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What the audit log records, each a filter on /admin/audit. */
export const AUDIT_KINDS = [
  'decision',
  'edit',
  'auto-decision',
  'ban',
  'trust',
  'role',
  'reveal',
  'settings',
  'render-review',
  'deletion',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * One action in the audit log: who (a snapshot of their colour and username, so the entry outlives the
 * account), when, and what. Ids of the prompt and the person acted on are plain numbers, not foreign keys:
 * deleting a user must not delete what was done to them. Never an address.
 */
@Entity('audit_log')
@Index('idx_audit_log_kind_id', ['kind', 'id'])
@Index('idx_audit_log_actor_id', ['actorId', 'id'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'datetime' })
  at: Date;

  @Column({ type: 'text' })
  kind: AuditKind;

  /** The verb within the kind: approve, deny, ban, unban, trust, pass, hide… */
  @Column({ type: 'text' })
  action: string;

  /** Null for an automatic action (the rule says which). */
  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId: number | null;

  /** "coral (sam)": the actor's colour and username at the time. */
  @Column({ name: 'actor_name', type: 'text', nullable: true })
  actorName: string | null;

  @Column({ name: 'actor_colour_hex', type: 'text', nullable: true })
  actorColourHex: string | null;

  /** For automatic decisions: the Auto-approve rule or the deny list. */
  @Column({ type: 'text', nullable: true })
  rule: string | null;

  @Column({ name: 'suggestion_id', type: 'integer', nullable: true })
  suggestionId: number | null;

  @Column({ name: 'subject_user_id', type: 'integer', nullable: true })
  subjectUserId: number | null;

  /** The colour (and username) of the person acted on, or the prompt's author. */
  @Column({ name: 'subject_name', type: 'text', nullable: true })
  subjectName: string | null;

  /** One line, as the audit page shows it. */
  @Column({ type: 'text' })
  summary: string;

  /** JSON with the particulars (an edit's original and new text, a setting's old and new value). */
  @Column({ type: 'text', nullable: true })
  details: string | null;
}
