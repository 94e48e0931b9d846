import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../../../../test/gateway/harness.js';
import { ACCOUNT_RULE, ADDRESS_RULE } from './lockout.service.js';
import { LoginFailuresRepository } from './login-failures.repository.js';

const MINUTE = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 12, 0) + minutes * MINUTE);

describe('LoginFailuresRepository: windows and locks (real SQLite file, explicit clock)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let failures: LoginFailuresRepository;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    failures = gateway.app.get(LoginFailuresRepository);
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  it('the rules are those of the issue: 5 per account, 20 per address, in 15 minutes, locked for 15', () => {
    expect(ACCOUNT_RULE).toEqual({ limit: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE });
    expect(ADDRESS_RULE).toEqual({ limit: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE });
  });

  it('locks on the fifth failure inside the window, until 15 minutes later', async () => {
    for (let i = 0; i < 4; i++) await failures.recordFailure('account:1', ACCOUNT_RULE, at(i));
    expect(await failures.lockedUntil(['account:1'], at(4))).toBeNull();
    await failures.recordFailure('account:1', ACCOUNT_RULE, at(4));
    expect(await failures.lockedUntil(['account:1'], at(4))).toEqual(at(19));
    expect(await failures.lockedUntil(['account:1'], at(18))).toEqual(at(19));
    expect(await failures.lockedUntil(['account:1'], at(19))).toBeNull();
  });

  it('failures spread beyond the window start a new count instead of locking', async () => {
    for (let i = 0; i < 4; i++) await failures.recordFailure('account:2', ACCOUNT_RULE, at(i));
    // Fifteen minutes after the first failure its window is over: this is failure 1 of a new one.
    await failures.recordFailure('account:2', ACCOUNT_RULE, at(16));
    expect(await failures.lockedUntil(['account:2'], at(16))).toBeNull();
    for (let i = 17; i < 20; i++) await failures.recordFailure('account:2', ACCOUNT_RULE, at(i));
    expect(await failures.lockedUntil(['account:2'], at(20))).toBeNull();
    await failures.recordFailure('account:2', ACCOUNT_RULE, at(20));
    expect(await failures.lockedUntil(['account:2'], at(20))).toEqual(at(35));
  });

  it('reports the latest lock among several subjects, and clear() forgets a subject', async () => {
    for (let i = 0; i < 5; i++) await failures.recordFailure('account:3', ACCOUNT_RULE, at(0));
    for (let i = 0; i < 20; i++) await failures.recordFailure('ip:abc', ADDRESS_RULE, at(5));
    expect(await failures.lockedUntil(['ip:abc', 'account:3', 'account:none'], at(6))).toEqual(at(20));
    await failures.clear('ip:abc');
    expect(await failures.lockedUntil(['ip:abc', 'account:3'], at(6))).toEqual(at(15));
  });

  it('counts concurrent failures without losing any', async () => {
    await Promise.all(
      Array.from({ length: 5 }, () => failures.recordFailure('account:4', ACCOUNT_RULE, at(0))),
    );
    expect(await failures.lockedUntil(['account:4'], at(1))).toEqual(at(15));
  });
});
