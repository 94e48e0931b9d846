import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed logins per subject, for lockout. The subject is `account:<user id>` or `ip:<keyed hash of the
 * anonymised address>`, never a raw address.
 */
@Entity('login_failures')
export class LoginFailureEntity {
  @PrimaryColumn({ type: 'text' })
  subject: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'window_started_at', type: 'datetime' })
  windowStartedAt: Date;

  @Column({ name: 'locked_until', type: 'datetime', nullable: true })
  lockedUntil: Date | null;
}
