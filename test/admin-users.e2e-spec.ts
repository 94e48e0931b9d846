import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveEventsService } from '../apps/gateway/src/live/live-events.service.js';
import type { LiveEvent } from '../apps/gateway/src/live/live-events.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { SuggestionLifecycle } from '../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import {
  becomeAdmin,
  browser,
  colourFrom,
  csrfFrom,
  HTML,
  LAPTOP_UA,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';

const JSON_TYPE = 'application/json';

interface Guest {
  agent: Browser;
  csrf: string;
  id: number;
  colour: string;
}

async function submit(guest: Guest, prompt: string): Promise<{ status: number; id?: number }> {
  const res = await guest.agent
    .post('/prompts')
    .set('Accept', JSON_TYPE)
    .set('x-csrf-token', guest.csrf)
    .send({ prompt, width: 512, height: 512 });
  return { status: res.status, id: res.body.id as number | undefined };
}

async function submitOk(guest: Guest, prompt: string): Promise<number> {
  const { status, id } = await submit(guest, prompt);
  expect(status).toBe(201);
  return id!;
}

function rowOf(html: string, userId: number): string {
  const start = html.indexOf(`<tr data-user-id="${userId}">`);
  expect(start, `row of user ${userId}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</tr>', start));
}

function cell(row: string, status: string): number {
  return Number(new RegExp(`data-count="${status}">(\\d+)<`).exec(row)?.[1]);
}

describe('admin users page: list, ban, unban, delete (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let admin: Browser;
  let adminId: number;
  let counter = 0;
  let events: LiveEvent[] = [];
  let subscription: Subscription;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '50', SUBMISSIONS_PER_MINUTE: '100' });
    admin = browser(gateway.url, LAPTOP_UA, 'de-DE');
    const home = await openHome(admin);
    adminId = Number(/data-user-id="(\d+)"/.exec(home.html)?.[1]);
    await becomeAdmin(gateway, admin);
    subscription = gateway.app
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    subscription?.unsubscribe();
    await gateway.close();
    temp.cleanup();
  });
  beforeEach(() => {
    events = [];
  });

  async function newGuest(): Promise<Guest> {
    const agent = browser(gateway.url, `Phone/admin-users-${++counter}`);
    const { html, csrf } = await openHome(agent);
    return { agent, csrf, id: Number(/data-user-id="(\d+)"/.exec(html)?.[1]), colour: colourFrom(html) };
  }

  async function adminCsrf(): Promise<string> {
    const res = await admin.get('/admin/users').set('Accept', HTML);
    expect(res.status).toBe(200);
    return csrfFrom(res.text);
  }

  const suggestions = () => gateway.app.get(SuggestionQueries);
  const lifecycle = () => gateway.app.get(SuggestionLifecycle);
  const users = () => gateway.app.get(UsersRepository);

  it('the moderation page links to Users', async () => {
    const res = await admin.get('/admin').set('Accept', HTML);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<a href="\/admin\/users"[^>]*>Users<\/a>/);
  });

  it('lists users with colour, role, prompt counts by status and last seen', async () => {
    const guest = await newGuest();
    const kept = await submitOk(guest, 'still waiting');
    const approved = await submitOk(guest, 'approve me');
    const denied = await submitOk(guest, 'deny me');
    await lifecycle().approve(approved, adminId);
    await lifecycle().deny(denied, adminId);
    expect((await suggestions().findById(kept))!.status).toBe('pending');

    const res = await admin.get('/admin/users').set('Accept', HTML);
    expect(res.status).toBe(200);
    const row = rowOf(res.text, guest.id);
    expect(row).toContain(`<span class="swatch-name">${guest.colour}</span>`);
    expect(row).toContain('<td data-label="Role">guest</td>');
    expect(cell(row, 'pending')).toBe(1);
    expect(cell(row, 'approved')).toBe(1);
    expect(cell(row, 'denied')).toBe(1);
    expect(cell(row, 'rendered')).toBe(0);
    expect(row).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(row).toMatch(/<button type="submit" class="deny">Ban<\/button>/);
    expect(row).toContain('>Delete</button>');
    // The admin's own row offers neither Ban nor Delete.
    const own = rowOf(res.text, adminId);
    expect(own).toContain('<td data-label="Role">admin</td>');
    expect(own).not.toContain('>Ban<');
    expect(own).not.toContain('>Delete<');

    const json = await admin.get('/admin/users').set('Accept', JSON_TYPE);
    expect(json.status).toBe(200);
    const entry = json.body.users.find((user: { id: number }) => user.id === guest.id);
    expect(entry).toMatchObject({
      colourName: guest.colour,
      role: 'guest',
      banned: false,
      isYou: false,
      total: 3,
      counts: { pending: 1, approved: 1, denied: 1, rendered: 0, failed: 0, queued: 0, rendering: 0 },
    });
    expect(entry).not.toHaveProperty('fingerprints');
    expect(entry).not.toHaveProperty('colourIndex');
  });

  it('pages 50 users at a time and finds a colour by name', async () => {
    const repo = users();
    while ((await repo.count()) < 60) await repo.createWithColour('guest', null);
    const total = await repo.count();
    const first = await admin.get('/admin/users').set('Accept', JSON_TYPE);
    expect(first.body).toMatchObject({ page: 1, pages: Math.ceil(total / 50), total });
    expect(first.body.users).toHaveLength(50);
    const second = await admin.get('/admin/users?page=2').set('Accept', JSON_TYPE);
    expect(second.body.users).toHaveLength(total - 50);
    const firstIds = new Set(first.body.users.map((user: { id: number }) => user.id));
    expect(second.body.users.some((user: { id: number }) => firstIds.has(user.id))).toBe(false);
    const page = await admin.get('/admin/users?page=2').set('Accept', HTML);
    expect(page.text).toContain(`Page 2 of ${Math.ceil(total / 50)}`);
    expect(page.text).toContain('href="/admin/users"');

    const someone = second.body.users[0] as { id: number; colourName: string };
    const found = await admin
      .get(`/admin/users?q=${encodeURIComponent(someone.colourName.toUpperCase())}`)
      .set('Accept', JSON_TYPE);
    expect(found.status).toBe(200);
    expect(found.body.users.map((user: { id: number }) => user.id)).toContain(someone.id);
    expect(found.body.total).toBeLessThan(total);
    // LIKE wildcards are taken literally.
    const wildcard = await admin.get('/admin/users?q=%25').set('Accept', JSON_TYPE);
    expect(wildcard.body.total).toBe(0);
    expect((await admin.get('/admin/users?page=zero').set('Accept', JSON_TYPE)).status).toBe(400);
  });

  it('refuses every action to a guest (403) and to a request without a CSRF token (403), changing nothing', async () => {
    const target = await newGuest();
    const pending = await submitOk(target, 'keep me pending');
    const intruder = await newGuest();
    events = [];
    expect((await intruder.agent.get('/admin/users').set('Accept', HTML)).status).toBe(403);
    expect((await intruder.agent.get('/admin/users').set('Accept', JSON_TYPE)).status).toBe(403);
    expect((await intruder.agent.get(`/admin/users/${target.id}/delete`).set('Accept', HTML)).status).toBe(
      403,
    );
    for (const action of ['ban', 'unban', 'delete']) {
      const asGuest = await intruder.agent
        .post(`/admin/users/${target.id}/${action}`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', intruder.csrf)
        .send({ confirm: true });
      expect(asGuest.status, `${action} as a guest`).toBe(403);
      const withoutToken = await admin
        .post(`/admin/users/${target.id}/${action}`)
        .set('Accept', HTML)
        .type('form')
        .send({ confirm: 'yes' });
      expect(withoutToken.status, `${action} without CSRF`).toBe(403);
      const wrongToken = await admin
        .post(`/admin/users/${target.id}/${action}`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', intruder.csrf)
        .send({ confirm: true });
      expect(wrongToken.status, `${action} with another session's token`).toBe(403);
    }
    const after = await users().findById(target.id);
    expect(after).toMatchObject({ id: target.id, banned: false });
    expect((await suggestions().findById(pending))!.status).toBe('pending');
    expect(events.filter((event) => 'userId' in event && event.userId === target.id)).toEqual([]);
  });

  it('ban: pending prompts are denied (and announced), submissions refused, the guest is told; unban lets them send again', async () => {
    const guest = await newGuest();
    const waiting = [await submitOk(guest, 'one'), await submitOk(guest, 'two')];
    const approved = await submitOk(guest, 'approved before the ban');
    await lifecycle().approve(approved, adminId);
    const bystander = await newGuest();
    const untouched = await submitOk(bystander, 'not mine to deny');
    events = [];

    // Sent from a search result, the admin comes back to that search.
    const search = `?q=${encodeURIComponent(guest.colour)}`;
    const res = await admin
      .post(`/admin/users/${guest.id}/ban${search}`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: await adminCsrf() });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/users${search}`);
    const page = await admin.get(res.headers.location).set('Accept', HTML);
    expect(page.text).toContain(`${guest.colour} is banned; 2 waiting prompts were denied.`);
    const row = rowOf(page.text, guest.id);
    expect(row).toContain('banned</span>');
    expect(row).toContain('>Unban</button>');
    expect(row).not.toContain('>Ban</button>');

    for (const id of waiting) {
      const prompt = await suggestions().findById(id);
      expect(prompt).toMatchObject({ status: 'denied', decidedById: adminId });
      expect(prompt!.decidedAt).toBeInstanceOf(Date);
    }
    expect((await suggestions().findById(approved))!.status).toBe('approved');
    expect((await suggestions().findById(untouched))!.status).toBe('pending');
    expect(events).toEqual(
      waiting.map((id) => ({
        type: 'suggestion.status',
        userId: guest.id,
        suggestionId: id,
        status: 'denied',
      })),
    );

    const refused = await submit(guest, 'let me in');
    expect(refused.status).toBe(403);
    const home = await openHome(guest.agent);
    expect(home.html).toContain('The host has stopped you from sending prompts.');
    expect(home.html).not.toContain('action="/prompts?_csrf=');

    // Banning again changes nothing and denies nothing more.
    const again = await admin
      .post(`/admin/users/${guest.id}/ban`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', await adminCsrf());
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: guest.id, banned: true, deniedPromptIds: [] });

    const unban = await admin
      .post(`/admin/users/${guest.id}/unban`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', await adminCsrf());
    expect(unban.status).toBe(200);
    expect(unban.body).toMatchObject({ id: guest.id, banned: false });
    expect((await users().findById(guest.id))!.banned).toBe(false);
    expect((await submit(guest, 'back in the game')).status).toBe(201);
    // What the ban denied stays denied.
    expect((await suggestions().findById(waiting[0]))!.status).toBe('denied');
    const back = await openHome(guest.agent);
    expect(back.html).toContain('action="/prompts?_csrf=');
  });

  it('delete: asks first, then removes the user, their prompts, fingerprint links and image files', async () => {
    const guest = await newGuest();
    const rendered = await submitOk(guest, 'rendered and on disk');
    const pending = await submitOk(guest, 'still pending');
    await lifecycle().approve(rendered, adminId);
    const other = await newGuest();
    const othersRendered = await submitOk(other, 'someone else’s image');
    await lifecycle().approve(othersRendered, adminId);

    const output = gateway.config.outputDir;
    mkdirSync(output, { recursive: true });
    for (const id of [rendered, othersRendered]) {
      writeFileSync(join(output, `${id}.png`), 'png');
      writeFileSync(join(output, `${id}.json`), '{}');
      expect(await lifecycle().render(id, { seed: 1, file: `${id}.png` })).toMatchObject({ ok: true });
    }
    const dataSource = gateway.app.get(DataSource);
    const links = async () =>
      Number(
        (
          await dataSource.query('SELECT COUNT(*) AS n FROM user_fingerprints WHERE user_id = ?', [guest.id])
        )[0].n,
      );
    expect(await links()).toBe(1);

    // The row's Delete opens a confirmation page that works without script.
    const confirmPage = await admin.get(`/admin/users/${guest.id}/delete?page=1`).set('Accept', HTML);
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.text).toContain(guest.colour);
    expect(confirmPage.text).toContain('2 prompt(s), 1 image(s)');
    expect(confirmPage.text).toContain('name="confirm" value="yes"');
    expect(confirmPage.text).toContain(`action="/admin/users/${guest.id}/delete"`);
    const preview = await admin.get(`/admin/users/${guest.id}/delete`).set('Accept', JSON_TYPE);
    expect(preview.body).toMatchObject({ user: { id: guest.id }, prompts: 2, images: 1 });

    const unconfirmed = await admin
      .post(`/admin/users/${guest.id}/delete`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', await adminCsrf())
      .send({});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.message).toMatch(/cannot be undone/);
    expect(await users().findById(guest.id)).not.toBeNull();
    expect(existsSync(join(output, `${rendered}.png`))).toBe(true);

    events = [];
    const res = await admin
      .post(`/admin/users/${guest.id}/delete`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text), confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users');
    const page = await admin.get('/admin/users').set('Accept', HTML);
    expect(page.text).toContain(`${guest.colour} was deleted with 2 prompts.`);
    const listed = await admin.get('/admin/users?page=2').set('Accept', JSON_TYPE);
    expect(listed.body.users.map((user: { id: number }) => user.id)).not.toContain(guest.id);

    expect(await users().findById(guest.id)).toBeNull();
    expect(await suggestions().findById(rendered)).toBeNull();
    expect(await suggestions().findById(pending)).toBeNull();
    expect(await links()).toBe(0);
    expect(existsSync(join(output, `${rendered}.png`))).toBe(false);
    expect(existsSync(join(output, `${rendered}.json`))).toBe(false);
    // Only their files: another guest's image stays.
    expect(existsSync(join(output, `${othersRendered}.png`))).toBe(true);
    expect(existsSync(join(output, `${othersRendered}.json`))).toBe(true);
    expect((await suggestions().findById(othersRendered))!.status).toBe('rendered');
    expect(events).toEqual([
      { type: 'suggestion.removed', userId: guest.id, suggestionId: rendered },
      { type: 'suggestion.removed', userId: guest.id, suggestionId: pending },
    ]);

    // Their old cookie now starts afresh: a new user with the "Your colour is…" welcome.
    const comeback = await openHome(guest.agent);
    expect(comeback.status).toBe(200);
    expect(comeback.html).toContain('Your colour is');
    const newId = Number(/data-user-id="(\d+)"/.exec(comeback.html)?.[1]);
    expect(newId).toBeGreaterThan(guest.id);
    expect(await submit({ ...guest, csrf: comeback.csrf }, 'a fresh start')).toMatchObject({ status: 201 });

    // Deleting again: the user is gone.
    const gone = await admin
      .post(`/admin/users/${guest.id}/delete`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', await adminCsrf())
      .send({ confirm: true });
    expect(gone.status).toBe(404);
  });

  it('refuses to ban or delete yourself (409) and answers 404 for unknown users', async () => {
    const csrf = await adminCsrf();
    const selfBan = await admin
      .post(`/admin/users/${adminId}/ban`)
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf);
    expect(selfBan.status).toBe(409);
    expect(selfBan.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: 'You cannot ban yourself.',
    });
    const selfDelete = await admin
      .post(`/admin/users/${adminId}/delete`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, confirm: 'yes' });
    expect(selfDelete.status).toBe(409);
    expect(selfDelete.text).toContain('You cannot delete yourself');
    expect((await admin.get(`/admin/users/${adminId}/delete`).set('Accept', HTML)).status).toBe(409);
    const me = await users().findById(adminId);
    expect(me).toMatchObject({ role: 'admin', banned: false });
    expect((await admin.get('/admin').set('Accept', HTML)).status).toBe(200);

    for (const action of ['ban', 'unban', 'delete']) {
      const res = await admin
        .post(`/admin/users/999999/${action}`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', csrf)
        .send({ confirm: true });
      expect(res.status, action).toBe(404);
      expect(res.body.message).toBe('There is no user #999999.');
    }
    expect((await admin.get('/admin/users/999999/delete').set('Accept', HTML)).status).toBe(404);
    const notANumber = await admin
      .post('/admin/users/abc/ban')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf);
    expect(notANumber.status).toBe(400);
  });
});
