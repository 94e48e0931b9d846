import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/**
 * The one place passwords are hashed and checked: argon2id with the library's defaults (64 MiB, 3
 * passes), written once so every account gets the same strength whatever page set its password.
 */
const OPTIONS = { type: argon2.argon2id } as const;

@Injectable()
export class PasswordHasher {
  /** Checked against when the account is unknown, so both failures take about as long. */
  private readonly decoy = argon2.hash('decoy password that never matches', OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  /** False for a wrong password and for a damaged hash alike. */
  verify(hash: string, password: string): Promise<boolean> {
    return argon2.verify(hash, password).catch(() => false);
  }

  /** The same work as a real check, always false: for a name without an account. */
  async verifyDecoy(password: string): Promise<false> {
    await argon2.verify(await this.decoy, password).catch(() => false);
    return false;
  }
}
