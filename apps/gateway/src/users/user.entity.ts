import { Column, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { UserFingerprintEntity } from './user-fingerprint.entity.js';

export const USER_ROLES = ['guest', 'member', 'moderator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** Unique: the unique index is what makes colour allocation race-safe. */
  @Index('idx_users_colour_name', { unique: true })
  @Column({ name: 'colour_name', type: 'text' })
  colourName: string;

  @Column({ name: 'colour_hex', type: 'text' })
  colourHex: string;

  /** Position in the allocation sequence (CSS names first, then generated colours). */
  @Index('idx_users_colour_index', { unique: true })
  @Column({ name: 'colour_index', type: 'integer' })
  colourIndex: number;

  @Column({ type: 'text', default: 'guest' })
  role: UserRole;

  @Column({ type: 'boolean', default: false })
  banned: boolean;

  /** Trusted by a moderator: Auto-approve's "Trusted guests" approves their prompts at once. */
  @Column({ type: 'boolean', default: false })
  trusted: boolean;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: 'datetime' })
  lastSeenAt: Date;

  /** Accounts (members, moderators, admins registered by the host) also have a username and an email. */
  @Index('idx_users_username', { unique: true })
  @Column({ type: 'text', nullable: true })
  username: string | null;

  /** Stored lower-cased, so uniqueness and look-ups ignore case. */
  @Index('idx_users_email', { unique: true })
  @Column({ type: 'text', nullable: true })
  email: string | null;

  /** argon2id; null until the account holder sets a password through their invitation link. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  /** Links issued before this moment stop working (a reset link is invalid after a password change). */
  @Column({ name: 'password_changed_at', type: 'datetime', nullable: true })
  passwordChangedAt: Date | null;

  /**
   * Sessions carry the epoch they were started in and count only while it is current: a password reset
   * or change moves it on, which ends every other session of this user.
   */
  @Column({ name: 'session_epoch', type: 'integer', default: 0 })
  sessionEpoch: number;

  @OneToMany(() => UserFingerprintEntity, (fingerprint) => fingerprint.user)
  fingerprints?: Relation<UserFingerprintEntity>[];
}
