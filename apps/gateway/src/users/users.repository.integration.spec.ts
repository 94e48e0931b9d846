import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../../../../test/gateway/harness.js';
import { CSS_COLOUR_COUNT } from './colours.js';
import { UsersRepository } from './users.repository.js';

describe('UsersRepository (real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let users: UsersRepository;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    users = gateway.app.get(UsersRepository);
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  it('allocates unique colours under 400 concurrent creations: all CSS names first, then generated ones', async () => {
    const created = await Promise.all(
      Array.from({ length: 400 }, (_, i) => users.createWithColour('guest', `key-${i % 50}`)),
    );
    const names = new Set(created.map((user) => user.colourName));
    const indexes = created.map((user) => user.colourIndex).sort((a, b) => a - b);
    expect(names.size).toBe(400);
    expect(indexes.slice(0, CSS_COLOUR_COUNT)).toEqual(Array.from({ length: CSS_COLOUR_COUNT }, (_, i) => i));
    expect(indexes[CSS_COLOUR_COUNT]).toBe(CSS_COLOUR_COUNT);
    expect(indexes.at(-1)).toBe(399);
  }, 30_000);

  it('finds guests by fingerprint key, most recently seen first, never staff', async () => {
    const older = await users.createWithColour('guest', 'shared-key', new Date('2026-01-01T10:00:00Z'));
    const newer = await users.createWithColour('guest', 'shared-key', new Date('2026-01-01T11:00:00Z'));
    const staff = await users.createWithColour('guest', 'shared-key', new Date('2026-01-01T12:00:00Z'));
    await users.setRole(staff.id, 'admin');
    const found = await users.findGuestsByFingerprintKey('shared-key');
    expect(found.map((user) => user.id)).toEqual([newer.id, older.id]);
    expect(await users.findGuestsByFingerprintKey('unknown-key')).toEqual([]);
  });

  it('links a returning guest to a new fingerprint without duplicating the link', async () => {
    const guest = await users.createWithColour('guest', 'first-key');
    await users.rememberFingerprint(guest.id, 'second-key');
    await users.rememberFingerprint(guest.id, 'second-key');
    expect((await users.findGuestsByFingerprintKey('second-key')).map((user) => user.id)).toEqual([guest.id]);
    expect((await users.findGuestsByFingerprintKey('first-key')).map((user) => user.id)).toEqual([guest.id]);
  });

  it('uses the fingerprint index for the lookup (one index search, no table scan)', async () => {
    const plan: { detail: string }[] = await gateway.app
      .get(DataSource)
      .query('EXPLAIN QUERY PLAN SELECT user_id FROM user_fingerprints WHERE fingerprint_key = ?', ['k']);
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING (COVERING )?INDEX/);
  });
});
