import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn({ type: 'text' })
  sid: string;

  /** Epoch milliseconds, so expiry checks are integer comparisons on an index. */
  @Index('idx_sessions_expires_at')
  @Column({ name: 'expires_at', type: 'integer' })
  expiresAt: number;

  @Column({ type: 'text' })
  data: string;
}
