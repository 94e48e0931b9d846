import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';

/** A device (by fingerprint key) enrolled for a staff account; the admin guard requires a match. */
@Entity('admin_devices')
@Index('idx_admin_devices_user_key', ['userId', 'fingerprintKey'], { unique: true })
export class AdminDeviceEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<UserEntity>;

  @Column({ name: 'fingerprint_key', type: 'text' })
  fingerprintKey: string;

  @Column({ name: 'enrolled_at', type: 'datetime' })
  enrolledAt: Date;
}
