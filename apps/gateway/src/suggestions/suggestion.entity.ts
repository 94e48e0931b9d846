import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';

export const SUGGESTION_STATUSES = [
  'pending',
  'approved',
  'denied',
  'queued',
  'rendering',
  'rendered',
  'failed',
] as const;
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

/** The rules that decide without a person: Auto-approve's three, and the Deny words list. */
export const DECISION_RULES = ['members-and-staff', 'trusted-guest', 'grace-window', 'deny-words'] as const;
export type DecisionRule = (typeof DECISION_RULES)[number];

export const RENDER_REVIEWS = ['waiting', 'passed', 'hidden'] as const;
export type RenderReview = (typeof RENDER_REVIEWS)[number];

/**
 * What a guest sends (its text is the prompt) and its whole life; every transition keeps its own time.
 * Only SuggestionLifecycle changes `status`.
 */
@Entity('suggestions')
@Index('idx_suggestions_status_id', ['status', 'id'])
@Index('idx_suggestions_user_id', ['userId', 'id'])
@Index('idx_suggestions_user_sent', ['userId', 'sentAt'])
@Index('idx_suggestions_decided_at', ['decidedAt'])
@Index('idx_suggestions_render_review', ['renderReview', 'id'])
export class SuggestionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<UserEntity>;

  @Column({ type: 'text' })
  prompt: string;

  @Column({ type: 'integer' })
  width: number;

  @Column({ type: 'integer' })
  height: number;

  @Column({ type: 'text', default: 'pending' })
  status: SuggestionStatus;

  @Column({ name: 'submitted_at', type: 'datetime' })
  submittedAt: Date;

  @Column({ name: 'decided_at', type: 'datetime', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decided_by_id', type: 'integer', nullable: true })
  decidedById: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by_id' })
  decidedBy?: Relation<UserEntity> | null;

  @Column({ name: 'queued_at', type: 'datetime', nullable: true })
  queuedAt: Date | null;

  @Column({ name: 'rendering_at', type: 'datetime', nullable: true })
  renderingAt: Date | null;

  @Column({ name: 'rendered_at', type: 'datetime', nullable: true })
  renderedAt: Date | null;

  @Column({ name: 'failed_at', type: 'datetime', nullable: true })
  failedAt: Date | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  /** Why a suggestion was denied when it was not a moderator's plain Deny (e.g. its author was banned). */
  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;

  /** How it was decided when no person decided it: an Auto-approve rule, or the deny list. */
  @Column({ name: 'decision_rule', type: 'text', nullable: true })
  decisionRule: DecisionRule | null;

  /** The host's Hold words found in the text (JSON array): it is Flagged, and never approved automatically. */
  @Column({ name: 'flagged_words', type: 'text', nullable: true })
  flaggedWords: string | null;

  /** The guest's own text when a moderator edited it before approving (`prompt` is then the edited one). */
  @Column({ name: 'original_prompt', type: 'text', nullable: true })
  originalPrompt: string | null;

  /**
   * Review renders: `waiting` until a person passes it (kept out of the show and the guest's page),
   * `passed`, or `hidden` (out of the show, the reveal and the export's images for good). Null when the
   * render needed no review (the setting was off).
   */
  @Column({ name: 'render_review', type: 'text', nullable: true })
  renderReview: RenderReview | null;

  /** When it was passed or hidden: the show's live mode asks for what changed since. */
  @Column({ name: 'reviewed_at', type: 'datetime', nullable: true })
  reviewedAt: Date | null;

  @Column({ type: 'integer', nullable: true })
  seed: number | null;

  /** The guest's picture for img2img, already resized, stored outside any public folder (UPLOAD_DIR). */
  @Column({ name: 'picture_file', type: 'text', nullable: true })
  pictureFile: string | null;

  /** File name inside OUTPUT_DIR, set once the image is on disk. */
  @Column({ name: 'image_file', type: 'text', nullable: true })
  imageFile: string | null;

  /**
   * The worker (SD server) it was handed to, as `host:port/index` of its renderer; null while it waits for
   * one. Kept once it is rendered, as a record of which GPU drew it.
   */
  @Column({ type: 'text', nullable: true })
  worker: string | null;

  /** When it was last handed to a worker: its author's turn. The fair order goes by each author's latest. */
  @Column({ name: 'sent_at', type: 'datetime', nullable: true })
  sentAt: Date | null;

  /** Put first at this time (Render next, or handed over from a lost worker); such ones go earliest first. */
  @Column({ name: 'render_next_at', type: 'datetime', nullable: true })
  renderNextAt: Date | null;
}
