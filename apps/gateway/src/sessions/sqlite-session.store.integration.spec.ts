import type { SessionData } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../../../../test/gateway/harness.js';
import { SessionsRepository } from './sessions.repository.js';
import { SqliteSessionStore } from './sqlite-session.store.js';

function promisify<T>(call: (callback: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

function sessionData(expires: Date, userId: number): SessionData {
  return {
    cookie: { originalMaxAge: expires.getTime() - Date.now(), expires },
    userId,
  } as unknown as SessionData;
}

describe('SqliteSessionStore (real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let store: SqliteSessionStore;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    store = new SqliteSessionStore(gateway.app.get(SessionsRepository));
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  it('stores, reads back and destroys a session', async () => {
    await promisify((cb) => store.set('sid-1', sessionData(new Date(Date.now() + 60_000), 7), cb));
    const read = await promisify<SessionData | null>((cb) => store.get('sid-1', cb));
    expect(read?.userId).toBe(7);
    await promisify((cb) => store.destroy('sid-1', cb));
    expect(await promisify<SessionData | null>((cb) => store.get('sid-1', cb))).toBeNull();
  });

  it('treats an expired session as absent and prunes it', async () => {
    await promisify((cb) => store.set('sid-old', sessionData(new Date(Date.now() - 1000), 8), cb));
    expect(await promisify<SessionData | null>((cb) => store.get('sid-old', cb))).toBeNull();
    await store.pruneExpired();
    const rows = await gateway.app.get(SessionsRepository).findLive('sid-old', 0);
    expect(rows).toBeNull();
  });

  it('extends the expiry on touch when it moves by more than an hour', async () => {
    const soon = new Date(Date.now() + 60_000);
    await promisify((cb) => store.set('sid-touch', sessionData(soon, 9), cb));
    const later = new Date(Date.now() + 7 * 24 * 3600_000);
    await promisify((cb) => store.touch('sid-touch', sessionData(later, 9), cb));
    const row = await gateway.app.get(SessionsRepository).findLive('sid-touch', 0);
    expect(row?.expiresAt).toBe(later.getTime());
  });
});
