import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A one-time admin claim link; only the SHA-256 of the token is stored. */
@Entity('claim_tokens')
export class ClaimTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'datetime', nullable: true })
  usedAt: Date | null;
}
