import { ConflictException } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { moduleTestBed, type ModuleTestBed } from '../../../../test/support/gateway-modules.js';
import { UsersRepository } from '../users/users.repository.js';
import { AccountCreation } from './account-creation.service.js';
import { AccountsCoreModule } from './accounts-core.module.js';
import { PasswordHasher } from './password-hasher.service.js';

/** The one way an account is made, on a real SQLite file. */
describe('AccountCreation (real SQLite)', () => {
  const temp = makeTempDir('vernissage-accounts-');
  let bed: ModuleTestBed;
  let accounts: AccountCreation;
  let users: UsersRepository;

  beforeAll(async () => {
    bed = await moduleTestBed(temp.dir, [AccountsCoreModule]);
    accounts = bed.module.get(AccountCreation);
    users = bed.module.get(UsersRepository);
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });

  it('makes an account with a colour, a lower-cased address and an argon2id hash of its password', async () => {
    const user = await accounts.create({
      username: 'ada',
      email: 'Ada@Example.org',
      role: 'member',
      password: 'correct horse battery',
    });
    const stored = (await users.findById(user.id))!;
    expect(stored).toMatchObject({ username: 'ada', email: 'ada@example.org', role: 'member' });
    expect(stored.colourName).toEqual(expect.any(String));
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await bed.module.get(PasswordHasher).verify(stored.passwordHash!, 'correct horse battery')).toBe(
      true,
    );
    expect(await bed.module.get(PasswordHasher).verify(stored.passwordHash!, 'wrong')).toBe(false);
  });

  it('without a password the account waits for one', async () => {
    const user = await accounts.create({ username: 'grace', email: 'grace@example.org', role: 'moderator' });
    expect((await users.findById(user.id))!.passwordHash).toBeNull();
  });

  it('says which of name or address is taken, and leaves nothing behind', async () => {
    const before = await users.count();
    await expect(
      accounts.create({ username: 'ada', email: 'other@example.org', role: 'member' }),
    ).rejects.toThrow(new ConflictException('The username ada is already taken.'));
    await expect(
      accounts.create({ username: 'ada2', email: 'ADA@example.org', role: 'member' }),
    ).rejects.toThrow(new ConflictException('There is already an account for ada@example.org.'));
    expect(await users.count()).toBe(before);
  });

  it('two racing creations of one name: one account, one 409, no half-made user', async () => {
    const before = await users.count();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        accounts.create({ username: 'twin', email: `twin${i}@example.org`, role: 'member' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictException);
    }
    expect(await users.count()).toBe(before + 1);
  });
});
