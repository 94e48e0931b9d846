import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../../../../test/gateway/harness.js';
import { ACCOUNT_RULE, ADDRESS_RULE } from './lockout.service.js';
import { LoginFailuresRepository } from './login-failures.repository.js';

const MINUTE = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 12, 0) + minutes * MINUTE);

describe('LoginFailuresRepository: attempts charged before the check, windows and locks (real SQLite file, explicit clock)', () => {
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

  const account = (n: number) => [{ subject: `account:${n}`, rule: ACCOUNT_RULE }];

  it('charges attempts before the check; the fifth locks the ones after it, until 15 minutes later', async () => {
    for (let i = 0; i < 5; i++) expect(await failures.reserve(account(1), at(i))).toBeNull();
    expect(await failures.lockedUntil(['account:1'], at(4))).toEqual(at(19));
    expect(await failures.reserve(account(1), at(5))).toEqual(at(19));
    expect(await failures.reserve(account(1), at(18))).toEqual(at(19));
    // Refused attempts were not counted: once the lock is over, a new window starts.
    expect(await failures.reserve(account(1), at(19))).toBeNull();
    expect(await failures.lockedUntil(['account:1'], at(19))).toBeNull();
  });

  it('attempts spread beyond the window start a new count instead of locking', async () => {
    for (let i = 0; i < 4; i++) await failures.reserve(account(2), at(i));
    // Fifteen minutes after the first attempt its window is over: this is attempt 1 of a new one.
    expect(await failures.reserve(account(2), at(16))).toBeNull();
    for (let i = 17; i < 20; i++) expect(await failures.reserve(account(2), at(i))).toBeNull();
    expect(await failures.lockedUntil(['account:2'], at(19))).toBeNull();
    expect(await failures.reserve(account(2), at(20))).toBeNull();
    expect(await failures.lockedUntil(['account:2'], at(20))).toEqual(at(35));
  });

  it('charges every subject or none: a locked address leaves the account uncounted', async () => {
    const address = { subject: 'ip:locked', rule: ADDRESS_RULE };
    for (let i = 0; i < 20; i++) await failures.reserve([address], at(0));
    expect(await failures.reserve([address, ...account(3)], at(1))).toEqual(at(15));
    for (let i = 0; i < 4; i++) expect(await failures.reserve(account(3), at(2))).toBeNull();
    // Four charged, not five: the refused attempt above cost the account nothing.
    expect(await failures.lockedUntil(['account:3'], at(2))).toBeNull();
  });

  it('lets exactly the limit through when 40 attempts arrive at once', async () => {
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => failures.reserve(account(4), at(0))));
    expect(outcomes.filter((outcome) => outcome === null)).toHaveLength(ACCOUNT_RULE.limit);
    expect(outcomes.filter((outcome) => outcome?.getTime() === at(15).getTime())).toHaveLength(35);
  });

  it('a refund gives one attempt back but never lifts a lock; clear() forgets a subject', async () => {
    const address = [{ subject: 'ip:refund', rule: ADDRESS_RULE }];
    for (let i = 0; i < 19; i++) await failures.reserve(address, at(0));
    await failures.refund('ip:refund');
    expect(await failures.reserve(address, at(1))).toBeNull();
    expect(await failures.lockedUntil(['ip:refund'], at(1))).toBeNull();
    expect(await failures.reserve(address, at(1))).toBeNull();
    expect(await failures.lockedUntil(['ip:refund'], at(1))).toEqual(at(16));
    await failures.refund('ip:refund');
    expect(await failures.lockedUntil(['ip:refund'], at(2))).toEqual(at(16));
    await failures.clear('ip:refund');
    expect(await failures.lockedUntil(['ip:refund'], at(2))).toBeNull();
  });
});
