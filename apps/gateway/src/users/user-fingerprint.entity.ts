import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { UserEntity } from './user.entity.js';

/**
 * A keyed hash (HMAC-SHA256) of a visitor's anonymised fingerprint, linked to the user seen with it.
 * Several users may share one key (identical phones on one Wi-Fi), so the key is indexed, not unique.
 */
@Entity('user_fingerprints')
@Index('idx_user_fingerprints_key', ['fingerprintKey'])
export class UserFingerprintEntity {
  @PrimaryColumn({ name: 'fingerprint_key', type: 'text' })
  fingerprintKey: string;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => UserEntity, (user) => user.fingerprints, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<UserEntity>;

  @Column({ name: 'last_seen_at', type: 'datetime' })
  lastSeenAt: Date;
}
