import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { SuggestionLifecycle } from '../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
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
import { sendFrom } from './support/from-address.js';
import { Party, solidPng } from './support/gallery-fixtures.js';

describe('admin claim, guard and moderation (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let admin: Browser;
  let guestCounter = 0;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { TRUST_PROXY: 'loopback', MAX_PENDING_PER_GUEST: '200' });
    admin = browser(gateway.url, LAPTOP_UA, 'de-DE');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  async function submit(prompt: string): Promise<number> {
    const guest = browser(gateway.url, `Phone/admin-spec-${++guestCounter}`);
    const { csrf } = await openHome(guest);
    const res = await guest
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt, width: 512, height: 512 });
    expect(res.status).toBe(201);
    return res.body.id as number;
  }

  async function adminCsrf(): Promise<string> {
    const res = await admin.get('/admin').set('Accept', HTML);
    expect(res.status).toBe(200);
    return csrfFrom(res.text);
  }

  it('claim link: enrols this device, redirects to /admin and works only once', async () => {
    const host = browser(gateway.url, 'Laptop/second-host');
    await openHome(host);
    const link = new URL(await gateway.claimLink()).pathname;
    const first = await host.get(link).set('Accept', HTML);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/admin');
    expect((await host.get('/admin').set('Accept', HTML)).status).toBe(200);

    const intruder = browser(gateway.url, 'Phone/intruder');
    await openHome(intruder);
    const reused = await intruder.get(link).set('Accept', HTML);
    expect(reused.status).toBe(403);
    expect(reused.text).toContain('invalid, expired or already used');
    expect((await intruder.get('/admin').set('Accept', HTML)).status).toBe(403);
  });

  it('warns on the admin page that a loopback HOST keeps phones out (this gateway listens on 127.0.0.1)', async () => {
    const page = await admin.get('/admin').set('Accept', HTML);
    expect(page.text).toContain(
      '<p class="notice" id="guest-link-warning">HOST&#x3D;127.0.0.1 accepts connections from this machine only',
    );
  });

  it('refuses forged and malformed claim tokens', async () => {
    const visitor = browser(gateway.url, 'Phone/forger');
    await openHome(visitor);
    for (const token of ['A'.repeat(43), 'short', '..%2F..%2Fetc']) {
      expect((await visitor.get(`/admin/claim/${token}`).set('Accept', HTML)).status).toBe(403);
    }
  });

  it('shows pending prompts oldest first with colour, size and time', async () => {
    const first = await submit('first: a quiet harbour');
    const second = await submit('second: <b>bold</b> lighthouse');
    const res = await admin.get('/admin').set('Accept', HTML);
    expect(res.status).toBe(200);
    const firstAt = res.text.indexOf(`data-prompt-id="${first}"`);
    const secondAt = res.text.indexOf(`data-prompt-id="${second}"`);
    expect(firstAt).toBeGreaterThan(0);
    expect(secondAt).toBeGreaterThan(firstAt);
    expect(res.text).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(res.text).toContain('512×512');
    expect(res.text).toMatch(/<time datetime="\d{4}-/);
    expect(res.text).toMatch(/class="swatch-name">[a-z]/);
    expect(res.text).toContain('Approve');
    expect(res.text).toContain('Deny');
  });

  it('approves and denies through the page forms, and counts follow', async () => {
    const approveMe = await submit('approve me');
    const denyMe = await submit('deny me');
    const csrf = await adminCsrf();
    const approved = await admin
      .post(`/admin/prompts/${approveMe}/approve`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf });
    expect(approved.status).toBe(303);
    const denied = await admin
      .post(`/admin/prompts/${denyMe}/deny`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf });
    expect(denied.status).toBe(303);
    const repo = gateway.app.get(SuggestionQueries);
    const a = await repo.findById(approveMe);
    const d = await repo.findById(denyMe);
    expect(a).toMatchObject({ status: 'approved' });
    expect(a!.decidedAt).toBeInstanceOf(Date);
    expect(a!.decidedById).toBeGreaterThan(0);
    expect(d).toMatchObject({ status: 'denied' });
    const page = await admin.get('/admin').set('Accept', HTML);
    expect(page.text).not.toContain(`data-prompt-id="${approveMe}"`);
    expect(page.text).not.toContain(`data-prompt-id="${denyMe}"`);
  });

  it('answers a second decision with 409 (JSON) and a readable 409 page, without changing it', async () => {
    const id = await submit('decide me twice');
    const csrf = await adminCsrf();
    const ok = await admin
      .post(`/admin/prompts/${id}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id, status: 'approved' });
    const again = await admin
      .post(`/admin/prompts/${id}/deny`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(again.body.message).toMatch(/already decided \(approved\)/);
    const page = await admin
      .post(`/admin/prompts/${id}/approve`)
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf });
    expect(page.status).toBe(409);
    expect(page.text).toContain('already decided');
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('approved');
  });

  it('decides a prompt exactly once under concurrent clicks', async () => {
    const id = await submit('race me');
    const csrf = await adminCsrf();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin
          .post(`/admin/prompts/${id}/${i % 2 ? 'deny' : 'approve'}`)
          .set('Accept', 'application/json')
          .set('x-csrf-token', csrf),
      ),
    );
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.filter((res) => res.status === 409)).toHaveLength(7);
  });

  it('answers 404 for an unknown prompt and 400 for a non-numeric id', async () => {
    const csrf = await adminCsrf();
    const missing = await admin
      .post('/admin/prompts/999999/approve')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(missing.status).toBe(404);
    const bad = await admin
      .post('/admin/prompts/abc/approve')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(bad.status).toBe(400);
    const unknownAction = await admin
      .post('/admin/prompts/1/explode')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(unknownAction.status).toBe(400);
  });

  it('refuses an admin action without a CSRF token (403) and changes nothing', async () => {
    const id = await submit('csrf target');
    const res = await admin.post(`/admin/prompts/${id}/approve`).set('Accept', 'application/json');
    expect(res.status).toBe(403);
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('pending');
  });

  it('refuses guests: /admin and decisions are 403', async () => {
    const id = await submit('guest tries to approve');
    const guest = browser(gateway.url, 'Phone/not-admin');
    const { csrf } = await openHome(guest);
    const refused = await guest.get('/admin').set('Accept', HTML);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('This page is for the host and moderators.');
    const res = await guest
      .post(`/admin/prompts/${id}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(res.status).toBe(403);
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('pending');
    // No session at all: say how a host gets in, not how a guest gets a colour.
    const stranger = await request(gateway.url).get('/admin').set('Accept', HTML);
    expect(stranger.status).toBe(401);
    expect(stranger.text).toContain(
      'This page is for the host and moderators: log in, or open a claim link on this device.',
    );
    expect(stranger.text).not.toContain('get your colour');
  });

  it("refuses someone who spoofs the admin's headers (same User-Agent, language and forwarded address)", async () => {
    const spoofer = browser(gateway.url, LAPTOP_UA, 'de-DE');
    spoofer.set('X-Forwarded-For', '127.0.0.1');
    const home = await openHome(spoofer);
    expect(home.html).not.toContain('Are you lost?');
    expect((await spoofer.get('/admin').set('Accept', HTML)).status).toBe(403);
  });

  it("refuses the admin's cookie copied to another device", async () => {
    const cookie = admin.jar.getCookie('vernissage.sid', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    expect(cookie).toBeTruthy();
    const stolen = await request(gateway.url)
      .get('/admin')
      .set('Accept', HTML)
      .set('User-Agent', 'Mozilla/5.0 (Thief) Other/1.0')
      .set('Cookie', `vernissage.sid=${cookie!.value}`);
    expect(stolen.status).toBe(403);
    expect(stolen.text).toContain('not enrolled');
    // The same cookie from another network (TRUST_PROXY trusts loopback in this test) is refused as well.
    const elsewhere = await request(gateway.url)
      .get('/admin')
      .set('Accept', HTML)
      .set('User-Agent', LAPTOP_UA)
      .set('Accept-Language', 'de-DE')
      .set('X-Forwarded-For', '198.51.100.7')
      .set('Cookie', `vernissage.sid=${cookie!.value}`);
    expect(elsewhere.status).toBe(403);
    expect((await admin.get('/admin').set('Accept', HTML)).status).toBe(200);
  });

  it("refuses the admin's cookie replayed from another address on the same Wi-Fi, even with the same headers", async () => {
    // A rendered image, to check that /images/… is refused too.
    const party = new Party(gateway);
    const guest = await party.guest('Phone/replay-target');
    const id = await party.submit(guest, 'a secret image before the show');
    await party.approveAndRender(id, solidPng(64, 64, [10, 200, 30]));

    const cookie = admin.jar.getCookie('vernissage.sid', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    })!;
    // The admin's own device: same User-Agent and language as below.
    const headers = {
      Accept: 'text/html',
      'User-Agent': LAPTOP_UA,
      'Accept-Language': 'de-DE',
      Cookie: `vernissage.sid=${cookie.value}`,
    };
    for (const path of ['/admin', '/admin/export', `/images/${id}`]) {
      expect((await sendFrom(`${gateway.url}${path}`, { from: '127.0.0.1', headers })).status, path).toBe(
        200,
      );
    }
    // The same cookie and headers from 127.0.0.2 (same /24, so the same fingerprint): another device.
    for (const path of ['/admin', '/admin/export', '/admin/events']) {
      const replayed = await sendFrom(`${gateway.url}${path}`, { from: '127.0.0.2', headers });
      expect(replayed.status, path).toBe(403);
      expect(replayed.body).toContain('Log in again, or open a fresh claim link on this device.');
    }
    expect((await sendFrom(`${gateway.url}/images/${id}`, { from: '127.0.0.2', headers })).status).toBe(404);
    // Nothing changed for the admin on the address they signed in from.
    expect((await admin.get('/admin').set('Accept', HTML)).status).toBe(200);
  });

  it('pages through thousands of pending prompts', async () => {
    const repo = gateway.app.get(SuggestionQueries);
    const guest = browser(gateway.url, 'Phone/bulk');
    await openHome(guest);
    const userId = (await repo.listPendingWithAuthors(0, 1))[0].userId;
    for (let i = 0; i < 120; i++)
      await gateway.app
        .get(SuggestionLifecycle)
        .submit({ userId, prompt: `bulk ${i}`, width: 512, height: 512, pictureFile: null }, 1000);
    const page1 = await admin.get('/admin').set('Accept', HTML);
    expect(page1.text).toMatch(/Page 1 of \d+/);
    expect((page1.text.match(/class="queue-item"/g) ?? []).length).toBe(50);
    const page3 = await admin.get('/admin?page=3').set('Accept', HTML);
    expect(page3.text).toMatch(/Page 3 of \d+/);
    expect(page3.text).toContain('Previous page');
    const beyond = await admin.get('/admin?page=999').set('Accept', HTML);
    expect(beyond.status).toBe(200);
    expect(beyond.text).not.toContain('Next page');
    // A mangled or absurd page number is a clear 400, never a database error.
    for (const page of ['abc', '1e20', '0', '100001']) {
      const mangled = await admin.get(`/admin?page=${page}`).set('Accept', HTML);
      expect(mangled.status, page).toBe(400);
      expect(mangled.text).toContain('page must be a whole number from 1 to 100000.');
    }
  });
});
