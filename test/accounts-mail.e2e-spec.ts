import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import argon2 from 'argon2';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MailService } from '../apps/gateway/src/accounts/mail.service.js';
import { RESET_REQUESTED_MESSAGE } from '../apps/gateway/src/accounts/password-reset.service.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  LAPTOP_UA,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';
import { accountLinkFrom as linkFrom, startSmtp } from './support/smtp.js';

const JSON_TYPE = 'application/json';

const pathOf = (link: URL) => `${link.pathname}${link.search}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminOf(gateway: TestGateway): Promise<{ agent: Browser; csrf: string; id: number }> {
  const agent = browser(gateway.url, LAPTOP_UA, 'de-DE');
  const home = await openHome(agent);
  await becomeAdmin(gateway, agent);
  const page = await agent.get('/admin/users').set('Accept', HTML);
  expect(page.status).toBe(200);
  return { agent, csrf: csrfFrom(page.text), id: Number(/data-user-id="(\d+)"/.exec(home.html)?.[1]) };
}

async function invite(
  admin: { agent: Browser; csrf: string },
  body: { username: string; email: string; role: string },
) {
  return admin.agent
    .post('/admin/users/invite')
    .set('Accept', JSON_TYPE)
    .set('x-csrf-token', admin.csrf)
    .send(body);
}

/** Opens a mailed link in a fresh browser and sets the password there; returns that browser. */
async function setPasswordThrough(
  gateway: TestGateway,
  link: URL,
  password: string,
  ua = 'Phone/new-member',
) {
  const agent = browser(gateway.url, ua);
  const page = await agent.get(pathOf(link)).set('Accept', HTML);
  expect(page.status).toBe(200);
  expect(page.text).toContain('<label for="password">New password</label>');
  expect(page.text).toContain('<label for="repeat">Repeat password</label>');
  expect(page.text).toContain('>Set password</button>');
  const token = link.searchParams.get('token')!;
  const res = await agent
    .post(link.pathname)
    .set('Accept', HTML)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), token, password, repeat: password });
  return { agent, res, token, csrf: csrfFrom(page.text) };
}

describe('accounts: invitations and password links through a real SMTP server on loopback', () => {
  const temp = makeTempDir();
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let gateway: TestGateway;
  let admin: { agent: Browser; csrf: string; id: number };
  const mail = () => gateway.app.get(MailService);
  const users = () => gateway.app.get(UsersRepository);
  const mailsTo = (address: string) => smtp.messages.filter((message) => message.to.includes(address));

  beforeAll(async () => {
    smtp = await startSmtp();
    gateway = await startGateway(temp.dir, { SMTP_URL: smtp.url, MAIL_FROM: 'Party <host@example.test>' });
    admin = await adminOf(gateway);
  });
  afterAll(async () => {
    await gateway?.close();
    await smtp?.close();
    temp.cleanup();
  });

  it('invite → mail with a link → set password → signed in; the link then refuses a second use', async () => {
    const res = await invite(admin, { username: 'ada.l', email: 'Ada@Example.test', role: 'member' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'ada.l', email: 'ada@example.test', role: 'member' });
    const id = res.body.id as number;
    expect(await users().findById(id)).toMatchObject({
      username: 'ada.l',
      email: 'ada@example.test',
      role: 'member',
      passwordHash: null,
    });

    await mail().idle();
    const [message] = mailsTo('ada@example.test');
    expect(message.raw).toContain('Subject: Your invitation to Vernissage');
    expect(message.raw).toContain('From: Party <host@example.test>');
    const link = await linkFrom(message.raw);
    expect(link.pathname).toBe('/account/set-password');
    expect(link.origin).toBe(`http://localhost:${new URL(gateway.url).port}`);

    const { agent, res: done, token } = await setPasswordThrough(gateway, link, 'correct horse battery');
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
    const home = await agent.get('/').set('Accept', HTML);
    expect(home.text).toContain(`data-user-id="${id}"`);
    expect(home.text).toContain('Your password is set and you are signed in.');
    const user = await users().findById(id);
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user!.passwordChangedAt).not.toBeNull();

    // Reuse: both the page and the form refuse, and the password stays as set.
    const again = await agent.get(pathOf(link)).set('Accept', HTML);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This link has expired or has already been used.');
    // The session was regenerated on sign-in: use the new page's token, so only the link is at fault.
    const csrf = csrfFrom(home.text);
    const replay = await agent
      .post('/account/set-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ token, password: 'another password 1', repeat: 'another password 1' });
    expect(replay.status).toBe(410);
    expect((await users().findById(id))!.passwordHash).toBe(user!.passwordHash);
  });

  it('set-password rules: 10–200 characters and both equal, else the form comes back with the error', async () => {
    const res = await invite(admin, { username: 'rules', email: 'rules@example.test', role: 'moderator' });
    expect(res.status).toBe(201);
    await mail().idle();
    const link = await linkFrom(mailsTo('rules@example.test')[0].raw);
    const agent = browser(gateway.url, 'Phone/rules');
    const page = await agent.get(pathOf(link)).set('Accept', HTML);
    const csrf = csrfFrom(page.text);
    const token = link.searchParams.get('token')!;
    const short = await agent
      .post('/account/set-password')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, token, password: 'short', repeat: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('at least 10 characters');
    expect(short.text).toContain(`name="token" value="${token}"`);
    const differ = await agent
      .post('/account/set-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ token, password: 'long enough one', repeat: 'long enough two' });
    expect(differ.status).toBe(400);
    expect(differ.body).toMatchObject({ statusCode: 400, message: 'The two passwords are not the same.' });
    expect((await users().findById(res.body.id as number))!.passwordHash).toBeNull();
    // The link was not used up by the refused attempts.
    const ok = await agent
      .post('/account/set-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ token, password: 'long enough one', repeat: 'long enough one' });
    expect(ok.status).toBe(200);
  });

  it('forgot password: the same answer for an unknown and a known address; only the account gets a mail', async () => {
    const created = await invite(admin, { username: 'grace', email: 'grace@example.test', role: 'member' });
    expect(created.status).toBe(201);
    await mail().idle();
    await setPasswordThrough(
      gateway,
      await linkFrom(mailsTo('grace@example.test')[0].raw),
      'first password!',
      'Phone/grace',
    );

    const agent = browser(gateway.url, 'Phone/forgetful');
    const form = await agent.get('/forgot-password').set('Accept', HTML);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<label for="email">Email</label>');
    expect(form.text).toContain('>Send link</button>');
    const csrf = csrfFrom(form.text);
    const unknown = await agent
      .post('/forgot-password')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, email: 'nobody@example.test' });
    const known = await agent
      .post('/forgot-password')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, email: 'Grace@Example.test' });
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(unknown.text).toContain(RESET_REQUESTED_MESSAGE);
    const normalise = (html: string) => html.replace(/(nonce|content|value)="[^"]*"/g, '');
    expect(normalise(known.text)).toBe(normalise(unknown.text));
    const unknownJson = await agent
      .post('/forgot-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ email: 'not-an-address' });
    expect(unknownJson.status).toBe(200);
    expect(unknownJson.body).toEqual({ message: RESET_REQUESTED_MESSAGE });

    await mail().idle();
    expect(mailsTo('nobody@example.test')).toHaveLength(0);
    const resets = mailsTo('grace@example.test').filter((m) =>
      m.raw.includes('Subject: Reset your Vernissage password'),
    );
    expect(resets).toHaveLength(1);
    const link = await linkFrom(resets[0].raw);
    expect(link.pathname).toBe('/account/reset-password');

    const {
      res,
      agent: resetAgent,
      token,
    } = await setPasswordThrough(gateway, link, 'second password!', 'Phone/grace-2');
    expect(res.status).toBe(303);
    const grace = await users().findById(created.body.id as number);
    expect(await argon2.verify(grace!.passwordHash!, 'second password!')).toBe(true);
    const resetCsrf = csrfFrom((await resetAgent.get('/forgot-password').set('Accept', HTML)).text);
    const again = await resetAgent
      .post('/account/reset-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', resetCsrf)
      .send({ token, password: 'third password!!', repeat: 'third password!!' });
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ statusCode: 410, error: 'Gone' });
  });

  it('mails at most three reset links per account in a quarter of an hour, with the same answer', async () => {
    const created = await invite(admin, {
      username: 'flooded',
      email: 'flooded@example.test',
      role: 'member',
    });
    expect(created.status).toBe(201);
    const agent = browser(gateway.url, 'Phone/flood');
    const csrf = csrfFrom((await agent.get('/forgot-password').set('Accept', HTML)).text);
    for (let i = 0; i < 5; i++) {
      const res = await agent
        .post('/forgot-password')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', csrf)
        .send({ email: 'flooded@example.test' });
      expect(res.body).toEqual({ message: RESET_REQUESTED_MESSAGE });
    }
    await mail().idle();
    const resets = mailsTo('flooded@example.test').filter((m) => m.raw.includes('Subject: Reset your'));
    expect(resets).toHaveLength(3);
  });

  it('twenty reset requests at once still mail at most three links (the cap is one statement)', async () => {
    const created = await invite(admin, { username: 'burst', email: 'burst@example.test', role: 'member' });
    expect(created.status).toBe(201);
    const agents = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const agent = browser(gateway.url, `Phone/burst-${i}`);
        return { agent, csrf: csrfFrom((await agent.get('/forgot-password').set('Accept', HTML)).text) };
      }),
    );
    const answers = await Promise.all(
      agents.map(({ agent, csrf }) =>
        agent
          .post('/forgot-password')
          .set('Accept', JSON_TYPE)
          .set('x-csrf-token', csrf)
          .send({ email: 'burst@example.test' }),
      ),
    );
    for (const res of answers) expect(res.body).toEqual({ message: RESET_REQUESTED_MESSAGE });
    await mail().idle();
    const resets = mailsTo('burst@example.test').filter((m) => m.raw.includes('Subject: Reset your'));
    expect(resets).toHaveLength(3);
  });

  it('a password reset ends every other session of the account and revokes its API tokens', async () => {
    const created = await invite(admin, {
      username: 'reset.me',
      email: 'reset.me@example.test',
      role: 'member',
    });
    await mail().idle();
    const phone = await setPasswordThrough(
      gateway,
      await linkFrom(mailsTo('reset.me@example.test')[0].raw),
      'first password!',
      'Phone/reset-me',
    );
    // A token made on the phone, and a second session on a laptop.
    const phoneCsrf = csrfFrom((await phone.agent.get('/account').set('Accept', HTML)).text);
    const made = await phone.agent
      .post('/account/api-tokens')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', phoneCsrf)
      .send({ name: 'old script' });
    expect(made.status).toBe(201);
    const token = made.body.token as string;
    const api = () => request(gateway.url).get('/api/prompts').set('Authorization', `Bearer ${token}`);
    expect((await api()).status).toBe(200);
    const laptop = browser(gateway.url, LAPTOP_UA);
    const loginCsrf = csrfFrom((await laptop.get('/login').set('Accept', HTML)).text);
    const login = await laptop
      .post('/login')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', loginCsrf)
      .send({ identifier: 'reset.me', password: 'first password!' });
    expect(login.status).toBe(200);
    expect((await laptop.get('/account').set('Accept', JSON_TYPE)).status).toBe(200);

    // Someone fears the password is known and resets it from a third device.
    const third = browser(gateway.url, 'Tablet/reset-me');
    const csrf = csrfFrom((await third.get('/forgot-password').set('Accept', HTML)).text);
    await third
      .post('/forgot-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ email: 'reset.me@example.test' });
    await mail().idle();
    const link = await linkFrom(mailsTo('reset.me@example.test').at(-1)!.raw);
    expect(link.pathname).toBe('/account/reset-password');
    const reset = await setPasswordThrough(gateway, link, 'second password!', 'Tablet/reset-me');
    expect(reset.res.status).toBe(303);

    expect((await reset.agent.get('/account').set('Accept', JSON_TYPE)).body).toMatchObject({
      username: 'reset.me',
    });
    expect((await phone.agent.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
    expect((await laptop.get('/account').set('Accept', JSON_TYPE)).status).toBe(401);
    const old = await api();
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ statusCode: 401 });
    expect(created.body.id).toBeGreaterThan(0);
  });

  it('a reset link issued before a password change is refused', async () => {
    const created = await invite(admin, { username: 'linus', email: 'linus@example.test', role: 'member' });
    await mail().idle();
    await setPasswordThrough(
      gateway,
      await linkFrom(mailsTo('linus@example.test')[0].raw),
      'first password!',
      'Phone/linus',
    );
    const agent = browser(gateway.url, 'Phone/linus-2');
    const csrf = csrfFrom((await agent.get('/forgot-password').set('Accept', HTML)).text);
    await agent
      .post('/forgot-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ email: 'linus@example.test' });
    await mail().idle();
    const link = await linkFrom(mailsTo('linus@example.test').at(-1)!.raw);
    expect(link.pathname).toBe('/account/reset-password');
    // The password changes another way (the account page) after the link was mailed.
    await sleep(5);
    await users().setPasswordHash(created.body.id as number, '$argon2id$changed-elsewhere');
    const res = await agent.get(pathOf(link)).set('Accept', HTML);
    expect(res.status).toBe(410);
  });

  it('duplicates are refused with 409 and a clear message, and nothing is created', async () => {
    expect((await invite(admin, { username: 'dup', email: 'dup@example.test', role: 'member' })).status).toBe(
      201,
    );
    const before = await users().count();
    const sameName = await invite(admin, { username: 'dup', email: 'other@example.test', role: 'member' });
    expect(sameName.status).toBe(409);
    expect(sameName.body).toEqual({
      statusCode: 409,
      message: 'The username dup is already taken.',
      error: 'Conflict',
    });
    const sameEmail = await invite(admin, { username: 'dup2', email: 'DUP@example.test', role: 'member' });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.message).toBe('There is already an account for dup@example.test.');
    const page = await admin.agent
      .post('/admin/users/invite')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: admin.csrf, username: 'dup', email: 'x@example.test', role: 'moderator' });
    expect(page.status).toBe(409);
    // On the users page, beside the invite form, with what the admin typed still in it.
    expect(page.text).toContain(
      '<p class="field-error" id="invite-error" role="alert">The username dup is already taken.</p>',
    );
    expect(page.text).toMatch(/id="invite-username"[^>]*value="dup"/);
    expect(page.text).toMatch(/id="invite-email"[^>]*value="x@example.test"/);
    expect(page.text).toContain('<option value="moderator" selected>moderator</option>');
    expect(page.text).toContain('<h1 id="users-title">Users</h1>');
    expect(await users().count()).toBe(before);
  });

  it('bad invitations get 400 and create nothing', async () => {
    const before = await users().count();
    for (const body of [
      { username: 'ab', email: 'ab@example.test', role: 'member' },
      { username: 'x'.repeat(33), email: 'long@example.test', role: 'member' },
      { username: 'bad name', email: 'bad@example.test', role: 'member' },
      { username: 'okname', email: 'not-an-email', role: 'member' },
      { username: 'okname', email: 'ok@example.test', role: 'admin' },
    ]) {
      const res = await invite(admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await users().count()).toBe(before);
  });

  it('inviting needs the admin and a CSRF token (403), and the form is on the users page', async () => {
    const guest = browser(gateway.url, 'Phone/guest-inviter');
    const { csrf } = await openHome(guest);
    const before = await users().count();
    const asGuest = await guest
      .post('/admin/users/invite')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ username: 'sneaky', email: 'sneaky@example.test', role: 'moderator' });
    expect(asGuest.status).toBe(403);
    const noCsrf = await admin.agent
      .post('/admin/users/invite')
      .set('Accept', JSON_TYPE)
      .send({ username: 'nocsrf', email: 'nocsrf@example.test', role: 'member' });
    expect(noCsrf.status).toBe(403);
    expect(await users().count()).toBe(before);

    const page = await admin.agent.get('/admin/users').set('Accept', HTML);
    expect(page.text).toContain('<label for="invite-username">Username</label>');
    expect(page.text).toContain('<label for="invite-email">Email</label>');
    expect(page.text).toContain('<label for="invite-role">Role</label>');
    expect(page.text).toContain('>Invite</button>');
    // SMTP is configured here: no "saved in output/mail" notice.
    expect(page.text).not.toContain('Mail is not configured');
  });

  it('the admin changes a role, but not their own', async () => {
    const created = await invite(admin, {
      username: 'promote.me',
      email: 'promote@example.test',
      role: 'member',
    });
    const id = created.body.id as number;
    const res = await admin.agent
      .post(`/admin/users/${id}/role`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', admin.csrf)
      .send({ role: 'moderator' });
    expect(res.status).toBe(200);
    expect((await users().findById(id))!.role).toBe('moderator');
    const bad = await admin.agent
      .post(`/admin/users/${id}/role`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', admin.csrf)
      .send({ role: 'emperor' });
    expect(bad.status).toBe(400);
    const own = await admin.agent
      .post(`/admin/users/${admin.id}/role`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', admin.csrf)
      .send({ role: 'guest' });
    expect(own.status).toBe(403);
    expect((await users().findById(admin.id))!.role).toBe('admin');
    const missing = await admin.agent
      .post('/admin/users/999999/role')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', admin.csrf)
      .send({ role: 'member' });
    expect(missing.status).toBe(404);
  });
});

describe('accounts: expired links (tiny TTLs from the environment)', () => {
  const temp = makeTempDir();
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    smtp = await startSmtp();
    gateway = await startGateway(temp.dir, {
      SMTP_URL: smtp.url,
      INVITE_TTL_S: '1',
      PASSWORD_RESET_TTL_S: '1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await smtp?.close();
    temp.cleanup();
  });

  it('an invitation and a reset link stop working once their time is up', async () => {
    const admin = await adminOf(gateway);
    const created = await invite(admin, { username: 'late', email: 'late@example.test', role: 'member' });
    expect(created.status).toBe(201);
    // A second account (its password set directly: a 1 s link is too tight to follow under load) asks
    // for a reset that it opens too late.
    const slow = await invite(admin, { username: 'slow', email: 'slow@example.test', role: 'member' });
    expect(slow.status).toBe(201);
    await gateway.app.get(MailService).idle();
    const lateLink = await linkFrom(smtp.messages.find((m) => m.to.includes('late@example.test'))!.raw);
    await gateway.app.get(UsersRepository).setPasswordHash(slow.body.id as number, '$argon2id$set-in-time');
    await sleep(5);
    const agent = browser(gateway.url, 'Phone/slow-2');
    const csrf = csrfFrom((await agent.get('/forgot-password').set('Accept', HTML)).text);
    await agent
      .post('/forgot-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ email: 'slow@example.test' });
    await gateway.app.get(MailService).idle();
    const resetLink = await linkFrom(
      smtp.messages.filter((m) => m.to.includes('slow@example.test')).at(-1)!.raw,
    );
    expect(resetLink.pathname).toBe('/account/reset-password');

    await sleep(1_100);
    expect((await agent.get(pathOf(lateLink)).set('Accept', HTML)).status).toBe(410);
    expect((await agent.get(pathOf(resetLink)).set('Accept', HTML)).status).toBe(410);
    const post = await agent
      .post('/account/set-password')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({
        token: lateLink.searchParams.get('token'),
        password: 'too late password',
        repeat: 'too late password',
      });
    expect(post.status).toBe(410);
    expect(
      (await gateway.app.get(UsersRepository).findById(created.body.id as number))!.passwordHash,
    ).toBeNull();
  });
});

describe('accounts: without SMTP, mails are saved as .eml files', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  const mailDir = () => join(temp.dir, 'output', 'mail');
  const emlFiles = () => readdirSync(mailDir()).filter((name) => name.endsWith('.eml'));
  const passOnLinkOf = (html: string) =>
    /<input id="pass-on-link" type="text" value="([^"]+)"/.exec(html)?.[1].replace(/&#x3D;/g, '=');

  it('the users page shows the invitation link once; it is the one in the .eml, whole, and it works', async () => {
    const admin = await adminOf(gateway);
    const page = await admin.agent.get('/admin/users').set('Accept', HTML);
    expect(page.text).toContain('Mail is not configured: messages are saved in output/mail');
    expect(passOnLinkOf(page.text)).toBeUndefined();
    const before = existsSync(mailDir()) ? emlFiles().length : 0;
    const created = await admin.agent
      .post('/admin/users/invite')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: admin.csrf, username: 'offline', email: 'offline@example.test', role: 'member' });
    expect(created.status).toBe(303);
    const after = await admin.agent.get('/admin/users').set('Accept', HTML);
    expect(after.text).toContain(
      'Invited offline as member. Mail is not configured: pass this link on to them.',
    );
    const shown = passOnLinkOf(after.text);
    expect(shown).toMatch(/^http:\/\/localhost:\d+\/account\/set-password\?token=[A-Za-z0-9_-]{43}$/);
    // Once only: the next visit no longer carries it.
    expect(passOnLinkOf((await admin.agent.get('/admin/users').set('Accept', HTML)).text)).toBeUndefined();

    await gateway.app.get(MailService).idle();
    const files = emlFiles();
    expect(files).toHaveLength(before + 1);
    const raw = readFileSync(join(mailDir(), files.sort().at(-1)!), 'utf8');
    expect(raw).toContain('To: offline@example.test');
    // Copied by hand from the file (no decoding at all), and as a mail client reads it.
    const copied = /^http\S+set-password\S+$/m.exec(raw)?.[0];
    expect(copied).toBe(shown);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toContain(`\n${shown}\n`);

    const { res } = await setPasswordThrough(gateway, new URL(shown!), 'offline password', 'Phone/offline');
    expect(res.status).toBe(303);
  });

  it('"Password link" on a row: a reset for an account with a password, shown to pass on; the old link dies', async () => {
    const admin = await adminOf(gateway);
    const created = await invite(admin, {
      username: 'forgetful',
      email: 'forgetful@example.test',
      role: 'member',
    });
    expect(created.status).toBe(201);
    const firstLink = new URL(created.body.link as string);
    expect(firstLink.pathname).toBe('/account/set-password');
    const id = created.body.id as number;

    // Before a password exists the row's button sends a fresh invitation; the first one stops working.
    const again = await admin.agent
      .post(`/admin/users/${id}/password-link`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: admin.csrf });
    expect(again.status).toBe(303);
    const page = await admin.agent.get('/admin/users').set('Accept', HTML);
    expect(page.text).toContain('A new invitation for forgetful.');
    expect(page.text).toContain('aria-label="Password link for forgetful"');
    const invitation = new URL(passOnLinkOf(page.text)!);
    expect(invitation.pathname).toBe('/account/set-password');
    expect((await browser(gateway.url).get(pathOf(firstLink)).set('Accept', HTML)).status).toBe(410);
    await setPasswordThrough(gateway, invitation, 'first password!', 'Phone/forgetful');

    const reset = await admin.agent
      .post(`/admin/users/${id}/password-link`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', admin.csrf);
    expect(reset.status).toBe(200);
    expect(reset.body.message).toBe(
      'A password reset link for forgetful. Mail is not configured: pass this link on to them.',
    );
    const resetLink = new URL(reset.body.link as string);
    expect(resetLink.pathname).toBe('/account/reset-password');
    const { res } = await setPasswordThrough(gateway, resetLink, 'second password!', 'Phone/forgetful-2');
    expect(res.status).toBe(303);
    const user = await gateway.app.get(UsersRepository).findById(id);
    expect(await argon2.verify(user!.passwordHash!, 'second password!')).toBe(true);

    // A colour-only guest has no password to set; an unknown id is a 404; nothing is mailed for either.
    const guest = browser(gateway.url, 'Phone/just-a-guest');
    const guestId = Number(/data-user-id="(\d+)"/.exec((await openHome(guest)).html)![1]);
    await gateway.app.get(MailService).idle();
    const mails = emlFiles().length;
    for (const [target, status] of [
      [guestId, 400],
      [999_999, 404],
    ]) {
      const refused = await admin.agent
        .post(`/admin/users/${target}/password-link`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', admin.csrf);
      expect(refused.status).toBe(status);
    }
    await gateway.app.get(MailService).idle();
    expect(emlFiles()).toHaveLength(mails);
  });

  it('a cut-short or altered link says so (400), unlike a used one (410)', async () => {
    const admin = await adminOf(gateway);
    const created = await invite(admin, {
      username: 'mangled',
      email: 'mangled@example.test',
      role: 'member',
    });
    const link = new URL(created.body.link as string);
    const token = link.searchParams.get('token')!;
    const agent = browser(gateway.url, 'Phone/mangled');
    for (const bad of [token.slice(0, 30), `${token}=`, `${token.slice(0, 42)}.`, '']) {
      const res = await agent
        .get(`/account/set-password?token=${encodeURIComponent(bad)}`)
        .set('Accept', HTML);
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('This link is incomplete or was changed on the way.');
    }
    expect((await agent.get(pathOf(link)).set('Accept', HTML)).status).toBe(200);
  });

  it('a new moderator lands on /admin after choosing a password', async () => {
    const admin = await adminOf(gateway);
    const created = await invite(admin, {
      username: 'newmod',
      email: 'newmod@example.test',
      role: 'moderator',
    });
    const { agent, res } = await setPasswordThrough(
      gateway,
      new URL(created.body.link as string),
      'moderator password',
      'Phone/newmod',
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const host = await agent.get('/admin').set('Accept', HTML);
    expect(host.status).toBe(200);
    expect(host.text).toContain('Your password is set and you are signed in.');
  });
});

describe('accounts: an SMTP server that hangs up', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let hangUp: Server;
  let connections = 0;

  beforeAll(async () => {
    hangUp = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const { port } = hangUp.address() as AddressInfo;
    gateway = await startGateway(temp.dir, { SMTP_URL: `smtp://127.0.0.1:${port}` });
    gateway.app.get(MailService).retryDelayMs = 20;
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => hangUp.close(resolve));
    temp.cleanup();
  });

  it('the invitation still answers at once; after one retry the users page shows the failure', async () => {
    const admin = await adminOf(gateway);
    const created = await invite(admin, {
      username: 'unlucky',
      email: 'unlucky@example.test',
      role: 'member',
    });
    expect(created.status).toBe(201);
    const mail = gateway.app.get(MailService);
    await vi.waitFor(() => expect(mail.recentFailures()).toHaveLength(1), { timeout: 10_000, interval: 25 });
    expect(connections).toBe(2);
    const page = await admin.agent.get('/admin/users').set('Accept', HTML);
    expect(page.text).toContain('Some mails could not be sent (tried twice):');
    expect(page.text).toContain('“Your invitation to Vernissage” to unlucky@example.test');
  });
});
