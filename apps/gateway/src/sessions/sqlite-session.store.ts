import { Store, type SessionData } from 'express-session';
import { SessionsRepository } from './sessions.repository.js';

const DEFAULT_TTL_MS = 30 * 24 * 3600 * 1000;
/** A session's expiry is only rewritten when it would move by more than this, to spare a write per page. */
const TOUCH_GRANULARITY_MS = 3600 * 1000;

/**
 * express-session store in the app's own SQLite database, so guests keep their colour across gateway
 * restarts (MemoryStore would forget everyone and leaks).
 */
export class SqliteSessionStore extends Store {
  private readonly knownExpiry = new Map<string, number>();

  constructor(private readonly repository: SessionsRepository) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.repository.findLive(sid, Date.now()).then(
      (row) => {
        if (!row) return callback(null, null);
        this.remember(sid, row.expiresAt);
        try {
          callback(null, JSON.parse(row.data) as SessionData);
        } catch {
          callback(null, null);
        }
      },
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = expiryOf(session);
    this.repository.save(sid, JSON.stringify(session), expiresAt).then(
      () => {
        this.remember(sid, expiresAt);
        callback?.();
      },
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = expiryOf(session);
    const known = this.knownExpiry.get(sid);
    if (known !== undefined && expiresAt - known < TOUCH_GRANULARITY_MS) {
      callback?.();
      return;
    }
    this.repository.extend(sid, expiresAt).then(
      () => {
        this.remember(sid, expiresAt);
        callback?.();
      },
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.knownExpiry.delete(sid);
    this.repository.remove(sid).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  pruneExpired(): Promise<void> {
    this.knownExpiry.clear();
    return this.repository.removeExpired(Date.now());
  }

  private remember(sid: string, expiresAt: number): void {
    // Bounded: it is only an optimisation for touch().
    if (this.knownExpiry.size > 50_000) this.knownExpiry.clear();
    this.knownExpiry.set(sid, expiresAt);
  }
}

function expiryOf(session: SessionData): number {
  const expires = session.cookie?.expires;
  if (expires) return new Date(expires).getTime();
  return Date.now() + (session.cookie?.originalMaxAge ?? DEFAULT_TTL_MS);
}
