import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../../../../test/gateway/harness.js';
import { UsersRepository } from '../users/users.repository.js';
import { AccountTokenEntity } from './account-token.entity.js';
import { AccountTokensRepository, hashAccountToken } from './account-tokens.repository.js';
import { DataSource } from 'typeorm';

describe('AccountTokensRepository (real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let tokens: AccountTokensRepository;
  let userId: number;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    tokens = gateway.app.get(AccountTokensRepository);
    userId = (await gateway.app.get(UsersRepository).createWithColour('member', null)).id;
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  it('stores only the SHA-256 of a 32-byte base64url token', async () => {
    const token = await tokens.create(userId, 'invite', 60);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await gateway.app.get(DataSource).getRepository(AccountTokenEntity).findBy({ userId });
    expect(rows.map((row) => row.tokenHash)).toContain(hashAccountToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('is consumed once, even by ten requests racing with the same link', async () => {
    const token = await tokens.create(userId, 'reset', 60);
    const results = await Promise.all(Array.from({ length: 10 }, () => tokens.consume(token, 'reset')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results.find(Boolean)).toMatchObject({ userId, purpose: 'reset' });
    expect(await tokens.findValid(token, 'reset')).toBeNull();
  });

  it('refuses an expired token, a token of the other purpose and an unknown one', async () => {
    const issued = new Date(Date.now() - 120_000);
    const expired = await tokens.create(userId, 'reset', 60, issued);
    expect(await tokens.findValid(expired, 'reset')).toBeNull();
    expect(await tokens.consume(expired, 'reset')).toBeNull();
    const invite = await tokens.create(userId, 'invite', 60);
    expect(await tokens.consume(invite, 'reset')).toBeNull();
    expect(await tokens.consume('not-a-token', 'invite')).toBeNull();
    expect(await tokens.consume(invite, 'invite')).toMatchObject({ userId });
  });

  it("invalidates a user's open tokens", async () => {
    const first = await tokens.create(userId, 'invite', 60);
    const second = await tokens.create(userId, 'reset', 60);
    expect(await tokens.invalidateOpenFor(userId)).toBeGreaterThanOrEqual(2);
    expect(await tokens.findValid(first, 'invite')).toBeNull();
    expect(await tokens.findValid(second, 'reset')).toBeNull();
  });

  it('makes at most the capped number of links in the window, even for twenty requests at once', async () => {
    const member = (await gateway.app.get(UsersRepository).createWithColour('member', null)).id;
    const cap = { limit: 3, windowMs: 15 * 60_000 };
    const made = await Promise.all(
      Array.from({ length: 20 }, () => tokens.createWithinCap(member, 'reset', 60, cap)),
    );
    const links = made.filter((token): token is string => token !== null);
    expect(links).toHaveLength(3);
    for (const link of links) expect(await tokens.findValid(link, 'reset')).toMatchObject({ userId: member });
    // Links of another purpose do not count, and once the window has passed the cap starts again.
    expect(await tokens.createWithinCap(member, 'invite', 60, cap)).not.toBeNull();
    const later = new Date(Date.now() + cap.windowMs + 1000);
    expect(await tokens.createWithinCap(member, 'reset', 60, cap, later)).not.toBeNull();
  });
});
