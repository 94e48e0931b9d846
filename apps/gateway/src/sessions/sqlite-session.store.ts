import { Store, type SessionData } from 'express-session';
import { SessionsRepository } from './sessions.repository.js';

const DEFAULT_TTL_MS = 30 * 24 * 3600 * 1000;
/** A session's expiry is only rewritten when it would move by more than this, to spare a write per page. */
const TOUCH_GRANULARITY_MS = 3600 * 1000;
/** Recently used sessions kept in memory; the gateway is the only writer, so the cache is write-through. */
const CACHE_SIZE = 20_000;

interface CachedSession {
  data: string;
  expiresAt: number;
}

/**
 * express-session store in the app's own SQLite database, so guests keep their colour across gateway
 * restarts (MemoryStore would forget everyone and leaks).
 */
export class SqliteSessionStore extends Store {
  private readonly cache = new Map<string, CachedSession>();

  constructor(private readonly repository: SessionsRepository) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const cached = this.cache.get(sid);
    if (cached) {
      if (cached.expiresAt > Date.now()) return callback(null, parse(cached.data));
      this.cache.delete(sid);
    }
    this.repository.findLive(sid, Date.now()).then(
      (row) => {
        if (!row) return callback(null, null);
        this.remember(sid, row.data, row.expiresAt);
        callback(null, parse(row.data));
      },
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = expiryOf(session);
    const data = JSON.stringify(session);
    this.repository.save(sid, data, expiresAt).then(
      () => {
        this.remember(sid, data, expiresAt);
        callback?.();
      },
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = expiryOf(session);
    const cached = this.cache.get(sid);
    if (cached && expiresAt - cached.expiresAt < TOUCH_GRANULARITY_MS) {
      callback?.();
      return;
    }
    this.repository.extend(sid, expiresAt).then(
      () => {
        if (cached) cached.expiresAt = expiresAt;
        callback?.();
      },
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.cache.delete(sid);
    this.repository.remove(sid).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  pruneExpired(): Promise<void> {
    const now = Date.now();
    for (const [sid, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(sid);
    return this.repository.removeExpired(now);
  }

  private remember(sid: string, data: string, expiresAt: number): void {
    // Map keeps insertion order: re-inserting marks the entry as recent, the first key is the oldest.
    this.cache.delete(sid);
    this.cache.set(sid, { data, expiresAt });
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }
}

function parse(data: string): SessionData | null {
  try {
    return JSON.parse(data) as SessionData;
  } catch {
    return null;
  }
}

function expiryOf(session: SessionData): number {
  const expires = session.cookie?.expires;
  if (expires) return new Date(expires).getTime();
  return Date.now() + (session.cookie?.originalMaxAge ?? DEFAULT_TTL_MS);
}
