import argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVITE_ONLY_MESSAGE } from '../apps/gateway/src/accounts/access-mode.js';
import { LOGIN_FAILED_MESSAGE } from '../apps/gateway/src/accounts/login.service.js';
import { PasswordHasher } from '../apps/gateway/src/accounts/password-hasher.service.js';
import { AdminDevicesRepository } from '../apps/gateway/src/auth/admin-devices.repository.js';
import type { UserRole } from '../apps/gateway/src/users/user.entity.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import { FingerprintService } from '../apps/gateway/src/identity/fingerprint.service.js';
import {
  browser,
  csrfFrom,
  HTML,
  LAPTOP_UA,
  makeTempDir,
  openHome,
  PHONE_UA,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';

const JSON_TYPE = 'application/json';
const PASSWORD = 'correct horse battery';

/**
 * Each client comes from its own address (TRUST_PROXY names loopback, where the test client is, so X-Forwarded-For is the client address);
 * addresses differ in their /24, since the lockout, like the fingerprint, only sees the anonymised form.
 */
let nextNet = 1;
function client(gateway: TestGateway, userAgent = PHONE_UA, address = `10.77.${nextNet++}.9`): Browser {
  return browser(gateway.url, userAgent).set('X-Forwarded-For', address);
}

function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.find((cookie) => cookie.startsWith('vernissage.sid='))?.split(';')[0];
}

async function loginForm(agent: Browser): Promise<string> {
  const res = await agent.get('/login').set('Accept', HTML);
  expect(res.status).toBe(200);
  return csrfFrom(res.text);
}

function logIn(agent: Browser, identifier: string, password: string, csrf: string) {
  return agent.post('/login').set('Accept', HTML).type('form').send({ _csrf: csrf, identifier, password });
}

async function csrfOfPage(agent: Browser, path: string): Promise<string> {
  const res = await agent.get(path).set('Accept', HTML);
  expect(res.status, path).toBe(200);
  return csrfFrom(res.text);
}

describe('accounts: login, logout, lockout, password change, moderators, invite-only', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let users: UsersRepository;
  let accountCount = 0;

  /** An account as the invitation flow leaves it: a user with a username, an email and a password. */
  async function makeAccount(role: UserRole, password = PASSWORD) {
    accountCount += 1;
    const username = `${role}${accountCount}`;
    const email = `${username}@Example.org`;
    const user = await users.createWithColour(role, null);
    await users.setAccount(user.id, { username, email, role });
    await users.setPasswordHash(user.id, await argon2.hash(password, { type: argon2.argon2id }));
    return { id: user.id, username, email };
  }

  async function signedIn(role: UserRole, userAgent = LAPTOP_UA) {
    const account = await makeAccount(role);
    const agent = client(gateway, userAgent);
    const res = await logIn(agent, account.username, PASSWORD, await loginForm(agent));
    expect(res.status).toBe(303);
    return { ...account, agent };
  }

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, {
      TRUST_PROXY: 'loopback',
      MAX_PENDING_PER_GUEST: '50',
      SUBMISSIONS_PER_MINUTE: '100',
    });
    users = gateway.app.get(UsersRepository);
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  it('shows the login form with its labelled fields', async () => {
    const res = await client(gateway).get('/login').set('Accept', HTML);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<label for="identifier">Username or email</label>');
    expect(res.text).toContain('<label for="password">Password</label>');
    expect(res.text).toMatch(/<button type="submit" class="primary">Log in<\/button>/);
  });

  it('logs a member in by username and by email (any case), on a new session id, to /', async () => {
    const member = await makeAccount('member');
    const agent = client(gateway);
    const formPage = await agent.get('/login').set('Accept', HTML);
    const before = sessionCookie(formPage);
    expect(before).toBeDefined();
    const res = await logIn(agent, member.username, PASSWORD, csrfFrom(formPage.text));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const after = sessionCookie(res);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const account = await agent.get('/account').set('Accept', JSON_TYPE);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ username: member.username, role: 'member', hasPassword: true });
    expect(account.body).not.toHaveProperty('passwordHash');

    const other = client(gateway);
    const byEmail = await logIn(other, member.email.toUpperCase(), PASSWORD, await loginForm(other));
    expect(byEmail.status).toBe(303);
    expect((await other.get('/account').set('Accept', JSON_TYPE)).body.username).toBe(member.username);
  });

  it('gives the same 401 answer for a wrong password and an unknown account, and signs nobody in', async () => {
    const member = await makeAccount('member');
    const agent = client(gateway);
    const wrong = await logIn(agent, member.username, 'not the password', await loginForm(agent));
    const unknown = await logIn(agent, 'nobody-at-all', 'not the password', await loginForm(agent));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    for (const res of [wrong, unknown]) {
      expect(res.text).toContain(LOGIN_FAILED_MESSAGE);
      expect(res.text).toContain('<label for="identifier">Username or email</label>');
    }
    expect((await agent.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);

    const jsonCsrf = await loginForm(agent);
    const json = await agent
      .post('/login')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', jsonCsrf)
      .send({ identifier: 'nobody-at-all', password: 'x' });
    expect(json.status).toBe(401);
    expect(json.body).toEqual({ statusCode: 401, message: LOGIN_FAILED_MESSAGE, error: 'Unauthorized' });
  });

  it('refuses a login without its CSRF token, and a malformed one with 400', async () => {
    const member = await makeAccount('member');
    const agent = client(gateway);
    const noToken = await agent
      .post('/login')
      .set('Accept', JSON_TYPE)
      .send({ identifier: member.username, password: PASSWORD });
    expect(noToken.status).toBe(403);
    // The token first: an agent attaches its cookies when a request is created.
    const csrf = await loginForm(agent);
    const empty = await agent
      .post('/login')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ identifier: '', password: PASSWORD });
    expect(empty.status).toBe(400);
    expect((await agent.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
  });

  it('locks an account for 15 minutes after 5 failures (429, even with the right password, from anywhere)', async () => {
    const member = await makeAccount('member');
    const attacker = client(gateway);
    for (let i = 0; i < 5; i++) {
      const res = await logIn(attacker, member.username, `guess ${i}`, await loginForm(attacker));
      expect(res.status).toBe(401);
    }
    const locked = await logIn(attacker, member.username, PASSWORD, await loginForm(attacker));
    expect(locked.status).toBe(429);
    expect(locked.text).toMatch(/Too many failed logins\. Try again in 15 minutes\./);

    const owner = client(gateway);
    const ownerCsrf = await loginForm(owner);
    const json = await owner
      .post('/login')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', ownerCsrf)
      .send({ identifier: member.email, password: PASSWORD });
    expect(json.status).toBe(429);
    expect(json.body).toEqual({
      statusCode: 429,
      message: 'Too many failed logins. Try again in 15 minutes.',
      error: 'Too Many Requests',
    });
    expect((await owner.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
  });

  it('a name without an account locks the same way, so the lockout does not reveal who has one', async () => {
    const agent = client(gateway);
    for (let i = 0; i < 5; i++) {
      expect((await logIn(agent, 'Ghost-Account', `guess ${i}`, await loginForm(agent))).status).toBe(401);
    }
    const locked = await logIn(agent, 'ghost-account', 'guess 6', await loginForm(agent));
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed logins. Try again in 15 minutes.');
  });

  it('a successful login clears the account counter', async () => {
    const member = await makeAccount('member');
    const agent = client(gateway);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) {
        expect((await logIn(agent, member.username, 'nope', await loginForm(agent))).status).toBe(401);
      }
      expect((await logIn(agent, member.username, PASSWORD, await loginForm(agent))).status).toBe(303);
    }
  });

  it('locks a client address after 20 failures, whatever accounts it tries; other addresses still log in', async () => {
    const member = await makeAccount('member');
    const sprayer = client(gateway, PHONE_UA, '10.99.1.17');
    for (let i = 0; i < 20; i++) {
      const res = await logIn(sprayer, `someone${i}`, 'password1', await loginForm(sprayer));
      expect(res.status).toBe(401);
    }
    const locked = await logIn(sprayer, member.username, PASSWORD, await loginForm(sprayer));
    expect(locked.status).toBe(429);
    // The same /24 is the same anonymised address.
    const neighbour = client(gateway, LAPTOP_UA, '10.99.1.200');
    expect((await logIn(neighbour, member.username, PASSWORD, await loginForm(neighbour))).status).toBe(429);
    const elsewhere = client(gateway, PHONE_UA, '10.99.2.17');
    expect((await logIn(elsewhere, member.username, PASSWORD, await loginForm(elsewhere))).status).toBe(303);
  });

  it('40 wrong passwords at once for one account: at most 5 reach the password check, then it is locked', async () => {
    const member = await makeAccount('member');
    const hasher = gateway.app.get(PasswordHasher);
    const checks = vi.spyOn(hasher, 'verify');
    try {
      // Each burst from its own network, so only the account's limit (5) applies, not the address's (20).
      for (let burst = 0; burst < 3; burst++) {
        const attackers = await Promise.all(
          Array.from({ length: 40 }, async () => {
            const agent = client(gateway, PHONE_UA, `10.60.${burst}.${1 + Math.floor(Math.random() * 200)}`);
            return { agent, csrf: await loginForm(agent) };
          }),
        );
        const answers = await Promise.all(
          attackers.map(({ agent, csrf }, i) => logIn(agent, member.username, `guess ${burst}-${i}`, csrf)),
        );
        const statuses = answers.map((res) => res.status);
        expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
        expect(statuses.filter((status) => status === 401)).toHaveLength(burst === 0 ? 5 : 0);
      }
      // Counted where it matters: the argon2 check itself ran 5 times for 120 tries.
      expect(checks).toHaveBeenCalledTimes(5);
      // The right password is locked out too (from anywhere), and no late failure has lifted the lock.
      const owner = client(gateway);
      expect((await logIn(owner, member.username, PASSWORD, await loginForm(owner))).status).toBe(429);
    } finally {
      checks.mockRestore();
    }
  });

  it('40 attempts at once from one address (any names): at most 20 reach the password check', async () => {
    const hasher = gateway.app.get(PasswordHasher);
    const decoys = vi.spyOn(hasher, 'verifyDecoy');
    try {
      const attackers = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const agent = client(gateway, PHONE_UA, '10.61.1.7');
          return { agent, csrf: await loginForm(agent) };
        }),
      );
      const answers = await Promise.all(
        attackers.map(({ agent, csrf }, i) => logIn(agent, `sprayed${i}`, 'password1', csrf)),
      );
      expect(answers.filter((res) => res.status === 401)).toHaveLength(20);
      expect(answers.filter((res) => res.status === 429)).toHaveLength(20);
      expect(decoys).toHaveBeenCalledTimes(20);
    } finally {
      decoys.mockRestore();
    }
  });

  it('keeps no raw address in login_failures: only account ids and keyed hashes', async () => {
    const rows: { subject: string }[] = await gateway.app
      .get(DataSource)
      .query('SELECT subject, failures, window_started_at, locked_until FROM login_failures');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.subject).toMatch(/^(account:\d+|(ip|name):[0-9a-f]{64})$/);
    const dump = JSON.stringify(rows);
    expect(dump).not.toMatch(/10\.(77|99)\./);
    expect(dump).not.toContain('127.0.0.1');
    expect(dump).not.toContain('someone');
  });

  it('logs out (POST with CSRF): the session is gone and the cookie cleared', async () => {
    const member = await signedIn('member', PHONE_UA);
    const noToken = await member.agent.post('/logout').set('Accept', JSON_TYPE);
    expect(noToken.status).toBe(403);
    expect((await member.agent.get('/account').set('Accept', JSON_TYPE)).status).toBe(200);

    const csrf = await csrfOfPage(member.agent, '/account');
    const res = await member.agent.post('/logout').set('Accept', HTML).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await member.agent.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
  });

  it('changes the password with the current one (wrong current → 400, bad new → 400, nothing changed)', async () => {
    const member = await signedIn('member', PHONE_UA);
    const page = await member.agent.get('/account').set('Accept', HTML);
    expect(page.status).toBe(200);
    for (const label of ['Current password', 'New password', 'Repeat password']) {
      expect(page.text).toMatch(new RegExp(`<label for="[a-z-]+">${label}</label>`));
    }
    expect(page.text).toContain('>Change password</button>');
    const csrf = csrfFrom(page.text);
    const change = (fields: Record<string, string>, accept = HTML) =>
      member.agent
        .post('/account/password')
        .set('Accept', accept)
        .type('form')
        .send({ _csrf: csrf, ...fields });
    const before = (await users.findById(member.id))!.passwordHash;

    const wrongOld = await change({
      currentPassword: 'not mine at all',
      newPassword: 'a brand new secret',
      repeatPassword: 'a brand new secret',
    });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.text).toContain('Current password is wrong.');
    const wrongOldJson = await change(
      { currentPassword: 'nope', newPassword: 'a brand new secret', repeatPassword: 'a brand new secret' },
      JSON_TYPE,
    );
    expect(wrongOldJson.status).toBe(400);
    expect(wrongOldJson.body).toEqual({
      statusCode: 400,
      message: 'Current password is wrong.',
      error: 'Bad Request',
    });
    const short = await change({ currentPassword: PASSWORD, newPassword: 'short', repeatPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('New password must be 10 to 200 characters.');
    const long = 'x'.repeat(201);
    expect(
      (await change({ currentPassword: PASSWORD, newPassword: long, repeatPassword: long })).status,
    ).toBe(400);
    const mismatch = await change({
      currentPassword: PASSWORD,
      newPassword: 'a brand new secret',
      repeatPassword: 'a brand new secreT',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The two new passwords are not the same.');
    expect((await users.findById(member.id))!.passwordHash).toBe(before);

    const startedAt = Date.now();
    const ok = await change({
      currentPassword: PASSWORD,
      newPassword: 'a brand new secret',
      repeatPassword: 'a brand new secret',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account');
    expect((await member.agent.get('/account').set('Accept', HTML)).text).toContain(
      'Your password has been changed.',
    );
    const changed = (await users.findById(member.id))!;
    expect(changed.passwordHash).not.toBe(before);
    expect(changed.passwordHash).toMatch(/^\$argon2id\$/);
    expect(changed.passwordChangedAt!.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);

    const fresh = client(gateway);
    expect((await logIn(fresh, member.username, PASSWORD, await loginForm(fresh))).status).toBe(401);
    expect((await logIn(fresh, member.username, 'a brand new secret', await loginForm(fresh))).status).toBe(
      303,
    );
  });

  it('a password change ends the account’s other sessions and keeps the one that changed it', async () => {
    const member = await signedIn('member', PHONE_UA);
    const laptop = client(gateway, LAPTOP_UA);
    expect((await logIn(laptop, member.username, PASSWORD, await loginForm(laptop))).status).toBe(303);
    expect((await laptop.get('/account').set('Accept', JSON_TYPE)).status).toBe(200);

    const csrf = await csrfOfPage(member.agent, '/account');
    const changed = await member.agent
      .post('/account/password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({
        currentPassword: PASSWORD,
        newPassword: 'another new secret',
        repeatPassword: 'another new secret',
      });
    expect(changed.status).toBe(200);
    expect((await member.agent.get('/account').set('Accept', JSON_TYPE)).body).toMatchObject({
      username: member.username,
    });
    // The laptop's session (started with the old password) no longer signs anyone in.
    expect((await laptop.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
    expect((await laptop.get('/').set('Accept', HTML)).text).not.toContain(
      '<a href="/account">Your account</a>',
    );
    // Signing in again with the new password works as ever.
    expect((await logIn(laptop, member.username, 'another new secret', await loginForm(laptop))).status).toBe(
      303,
    );
    expect((await laptop.get('/account').set('Accept', JSON_TYPE)).status).toBe(200);
  });

  it('the account page needs a session; a guest sees it without a password form', async () => {
    expect((await client(gateway).get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
    expect((await client(gateway).get('/account').set('Accept', HTML)).status).toBe(401);
    const guest = client(gateway);
    await openHome(guest);
    const json = await guest.get('/account').set('Accept', JSON_TYPE);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ username: null, email: null, role: 'guest', hasPassword: false });
    const page = await guest.get('/account').set('Accept', HTML);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Change password');
  });

  it('staff logging in enrol their device, so /admin works from it; another device is still refused', async () => {
    const admin = await makeAccount('admin');
    const agent = client(gateway, LAPTOP_UA, '10.50.1.10');
    const devices = gateway.app.get(AdminDevicesRepository);
    const res = await logIn(agent, admin.username, PASSWORD, await loginForm(agent));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const page = await agent.get('/admin').set('Accept', HTML);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<a href="/admin/users"');

    const key = gateway.app.get(FingerprintService).keyFor({
      ip: '10.50.1.10',
      get: (name: string) =>
        ({ 'user-agent': LAPTOP_UA, 'accept-language': 'en-GB,en;q=0.9' })[name.toLowerCase()],
      socket: {},
    } as never);
    expect(await devices.isEnrolled(admin.id, key)).toBe(true);

    // The same cookie from a device that never logged in is not enough.
    const cookie = sessionCookie(res)!;
    const thief = client(gateway, PHONE_UA, '10.51.1.10');
    const stolen = await thief.get('/admin').set('Accept', JSON_TYPE).set('Cookie', cookie);
    expect(stolen.status).toBe(403);
  });

  it('moderators moderate (approve, renderer panel) but get 403 on settings, users, reveal, show and export', async () => {
    const guest = client(gateway);
    const home = await openHome(guest);
    const submitted = await guest
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', home.csrf)
      .send({ prompt: 'a moderated lighthouse', width: 512, height: 512 });
    expect(submitted.status).toBe(201);

    const moderator = await signedIn('moderator');
    const page = await moderator.agent.get('/admin').set('Accept', HTML);
    expect(page.status).toBe(200);
    expect(page.text).toContain('a moderated lighthouse');
    expect(page.text).not.toContain('<a href="/admin/users"');
    expect(page.text).not.toContain('data-reveal-form');
    const csrf = csrfFrom(page.text);

    const approve = await moderator.agent
      .post(`/admin/prompts/${submitted.body.id}/approve`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf);
    expect(approve.status).toBe(200);
    const again = await moderator.agent
      .post(`/admin/prompts/${submitted.body.id}/deny`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf);
    expect(again.status).toBe(409);
    expect((await moderator.agent.get('/admin/renderer').set('Accept', JSON_TYPE)).status).toBe(200);
    expect((await moderator.agent.get('/admin/fragments/queue').set('Accept', HTML)).status).toBe(200);

    for (const path of ['/admin/settings', '/admin/users', '/admin/show', '/admin/export']) {
      const res = await moderator.agent.get(path).set('Accept', JSON_TYPE);
      expect(res.status, path).toBe(403);
    }
    const reveal = await moderator.agent
      .post('/admin/reveal')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ revealed: true });
    expect(reveal.status).toBe(403);
    const settings = await moderator.agent
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ submissionsOpen: false });
    expect(settings.status).toBe(403);

    // A member is not staff at all.
    const member = await signedIn('member', PHONE_UA);
    expect((await member.agent.get('/admin').set('Accept', JSON_TYPE)).status).toBe(403);
  });

  it('invite-only: an anonymous visitor gets no colour but a polite page; a guest cannot submit; a member can', async () => {
    const earlyGuest = client(gateway, PHONE_UA, '10.88.1.5');
    const guestHome = await openHome(earlyGuest);
    expect(guestHome.status).toBe(200);
    expect(guestHome.html).toContain('Have an account? <a href="/login">Log in</a>');

    const admin = await signedIn('admin');
    const adminCsrf = await csrfOfPage(admin.agent, '/admin/settings');
    const settingsPage = await admin.agent.get('/admin/settings').set('Accept', HTML);
    expect(settingsPage.text).toContain('<label for="access-mode">Access mode</label>');
    const bad = await admin.agent
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', adminCsrf)
      .send({ accessMode: 'members-only' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Access mode must be open or invite-only.');
    const saved = await admin.agent
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: adminCsrf, accessMode: 'invite-only' });
    expect(saved.status).toBe(303);
    expect((await admin.agent.get('/admin/settings').set('Accept', JSON_TYPE)).body.accessMode).toBe(
      'invite-only',
    );
    expect((await admin.agent.get('/admin/settings').set('Accept', HTML)).text).toMatch(
      /<option value="invite-only" selected>/,
    );

    try {
      const usersBefore = await users.count();
      const stranger = client(gateway);
      const page = await stranger.get('/').set('Accept', HTML);
      expect(page.status).toBe(200);
      expect(page.text).toContain(INVITE_ONLY_MESSAGE);
      expect(page.text).toContain('href="/login"');
      expect(page.text).not.toContain('Your colour is');
      expect(page.text).not.toContain('swatch-name');
      const fresh = await stranger
        .post('/welcome-back/fresh')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', csrfFrom(page.text));
      expect(fresh.status).toBe(403);
      expect(await users.count()).toBe(usersBefore);
      // Nor is an existing guest colour handed over to a visitor without a session ("Continue as"):
      // the same phone on the same network, cookie gone, asking for the early guest's colour.
      const lost = client(gateway, PHONE_UA, '10.88.1.6');
      const lostPage = await lost.get('/').set('Accept', HTML);
      expect(lostPage.text).toContain(INVITE_ONLY_MESSAGE);
      expect(lostPage.text).not.toContain('Continue as');
      const earlyId = Number(/data-user-id="(\d+)"/.exec(guestHome.html)![1]);
      const taken = await lost
        .post('/welcome-back/continue')
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: csrfFrom(lostPage.text), userId: String(earlyId) });
      expect(taken.status).toBe(403);
      expect(taken.text).toContain(INVITE_ONLY_MESSAGE);
      expect((await lost.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);

      const guestPage = await earlyGuest.get('/').set('Accept', HTML);
      expect(guestPage.text).toContain(INVITE_ONLY_MESSAGE);
      expect(guestPage.text).not.toContain('data-prompt-form');
      const refused = await earlyGuest
        .post('/prompts')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', guestHome.csrf)
        .send({ prompt: 'let me in', width: 512, height: 512 });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ statusCode: 403, message: INVITE_ONLY_MESSAGE, error: 'Forbidden' });

      const member = await signedIn('member', PHONE_UA);
      const memberHome = await openHome(member.agent);
      expect(memberHome.html).toContain('data-prompt-form');
      expect(memberHome.html).toContain('<a href="/account">Your account</a>');
      const accepted = await member.agent
        .post('/prompts')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', memberHome.csrf)
        .send({ prompt: 'a member may', width: 512, height: 512 });
      expect(accepted.status).toBe(201);
    } finally {
      const back = await admin.agent
        .post('/admin/settings')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', adminCsrf)
        .send({ accessMode: 'open' });
      expect(back.status).toBe(200);
    }
  });
});
