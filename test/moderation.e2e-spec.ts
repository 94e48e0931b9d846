import argon2 from 'argon2';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPageView } from '../apps/gateway/src/audit/audit.view.js';
import { CSV_COLUMNS } from '../apps/gateway/src/gallery/export.service.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import type { UserRole } from '../apps/gateway/src/users/user.entity.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import {
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
import { Party, solidPng, type Guest } from './support/gallery-fixtures.js';
import { parseCsv, readZip } from './support/zip-reader.js';

const JSON_TYPE = 'application/json';
const PASSWORD = 'moderators are people too';

function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
}

const getBytes = (agent: Browser | request.Agent, path: string) =>
  agent.get(path).set('Accept', 'image/png,*/*').buffer(true).parse(binary);

const post = (who: { agent: Browser; csrf: string }, path: string, body: object = {}) =>
  who.agent.post(path).set('Accept', JSON_TYPE).set('x-csrf-token', who.csrf).send(body);

async function sendPicture(guest: Guest, prompt: string): Promise<number> {
  const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#cc3366' } })
    .png()
    .toBuffer();
  const res = await guest.agent
    .post('/prompts')
    .set('Accept', JSON_TYPE)
    .set('x-csrf-token', guest.csrf)
    .field('prompt', prompt)
    .field('width', '512')
    .field('height', '512')
    .attach('image', png, 'cat.png');
  expect(res.status).toBe(201);
  return res.body.id as number;
}

/**
 * Moderation at party scale over HTTP, on a real SQLite file: pictures seen by staff only, word lists,
 * trust, edit, bulk, render review, how far behind, and the audit log that records each of them once.
 * Renders are recorded as the renderer link does (Party.render); the pipeline itself is in
 * auto-approve.e2e-spec.ts.
 */
describe('moderation at party scale (HTTP, real SQLite file)', () => {
  const temp = makeTempDir('vernissage-moderation-');
  let gateway: TestGateway;
  let party: Party;
  let host: { agent: Browser; csrf: string };
  let hostId: number;
  let moderator: { agent: Browser; csrf: string; id: number; username: string };
  let alice: Guest;
  let bob: Guest;
  let accounts = 0;

  async function account(role: UserRole, userAgent: string) {
    const users = gateway.app.get(UsersRepository);
    accounts += 1;
    const username = `${role}${accounts}`;
    const user = await users.createWithColour(role, null);
    await users.setAccount(user.id, { username, email: `${username}@example.test`, role });
    await users.setPasswordHash(user.id, await argon2.hash(PASSWORD, { type: argon2.argon2id }));
    const agent = browser(gateway.url, userAgent);
    const login = await agent.get('/login').set('Accept', HTML);
    const res = await agent
      .post('/login')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrfFrom(login.text), identifier: username, password: PASSWORD });
    expect(res.status).toBe(303);
    const page = await agent.get('/admin').set('Accept', HTML);
    expect(page.status).toBe(200);
    return { agent, csrf: csrfFrom(page.text), id: user.id, username };
  }

  const settings = (body: object) => post(host, '/admin/settings', body);

  const stored = async (id: number) => (await gateway.app.get(SuggestionQueries).findById(id))!;

  async function audit(query = ''): Promise<AuditPageView> {
    const res = await host.agent.get(`/admin/audit${query}`).set('Accept', JSON_TYPE);
    expect(res.status).toBe(200);
    return res.body as AuditPageView;
  }

  /** Every audit entry about one prompt (the log is newest first; these come oldest first). */
  const auditOf = async (id: number) =>
    (await audit()).entries.filter((entry) => entry.summary.includes(`prompt #${id} `)).toReversed();

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '1000', SUBMISSIONS_PER_MINUTE: '1000' });
    party = new Party(gateway);
    host = await party.host();
    const users = gateway.app.get(UsersRepository);
    hostId = (await users.listPage(0, 10)).find((user) => user.role === 'admin')!.id;
    moderator = await account('moderator', LAPTOP_UA);
    alice = await party.guest('Phone/moderation-alice');
    bob = await party.guest('Phone/moderation-bob');
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  describe('a prompt with a picture', () => {
    let id: number;
    beforeAll(async () => {
      id = await sendPicture(alice, 'my cat as an oil painting');
    });

    it('shows its picture to staff on /admin, as a thumbnail that opens it at full size', async () => {
      for (const staff of [host, moderator]) {
        const page = await staff.agent.get('/admin').set('Accept', HTML);
        expect(page.text).toContain(`<img class="picture-thumb" src="/images/${id}/picture"`);
        expect(page.text).toContain(`<a class="thumb-link" href="/admin/prompts/${id}">`);
        const picture = await getBytes(staff.agent, `/images/${id}/picture`);
        expect(picture.status).toBe(200);
        expect(picture.headers['content-type']).toBe('image/png');
        expect(picture.headers['cache-control']).toMatch(/private/);
        expect(await sharp(picture.body as Buffer).metadata()).toMatchObject({ width: 512, height: 512 });
        const full = await staff.agent.get(`/admin/prompts/${id}`).set('Accept', HTML);
        expect(full.text).toContain(
          `<img src="/images/${id}/picture" alt="The picture prompt #${id} starts from"`,
        );
      }
    });

    it('shows it on the deck too', async () => {
      const card = await moderator.agent
        .get('/admin/deck/card?deck=0b7f6b1e-1111-4a4a-9c9c-000000000001')
        .set('Accept', HTML);
      expect(card.status).toBe(200);
      expect(card.text).toContain(`src="/images/${id}/picture"`);
      expect(card.text).toContain('my cat as an oil painting');
    });

    it('is 404 for its own guest, other guests and strangers, before and after approval', async () => {
      const check = async () => {
        for (const agent of [alice.agent, bob.agent, request.agent(gateway.url)]) {
          const res = await getBytes(agent, `/images/${id}/picture`);
          expect(res.status).toBe(404);
          expect((res.body as Buffer).toString()).not.toContain('PNG');
        }
        // The host's cookie on a device that is not enrolled is nobody.
        const cookie = (
          host.agent as unknown as { jar: { getCookies(o: object): { toValueString(): string }[] } }
        ).jar
          .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
          .map((c) => c.toValueString())
          .join('; ');
        expect(cookie).toContain('vernissage.sid=');
        const stolen = await request(gateway.url)
          .get(`/images/${id}/picture`)
          .set('Cookie', cookie)
          .set('User-Agent', 'Another/device');
        expect(stolen.status).toBe(404);
      };
      await check();
      await party.decide(id, 'approve');
      await check();
    });

    it('is marked in the API: hasPicture for all, the picture URL for staff only', async () => {
      const mine = await alice.agent.get(`/api/prompts/${id}`).set('Accept', JSON_TYPE);
      expect(mine.body).toMatchObject({ id, hasPicture: true, pictureUrl: null, edited: false });
      const staff = await host.agent.get(`/api/prompts/${id}`).set('Accept', JSON_TYPE);
      expect(staff.body).toMatchObject({ id, hasPicture: true, pictureUrl: `/images/${id}/picture` });
      expect((await bob.agent.get(`/api/prompts/${id}`).set('Accept', JSON_TYPE)).status).toBe(404);
      const list = await alice.agent.get('/api/prompts').set('Accept', JSON_TYPE);
      expect(list.body.items.find((item: { id: number }) => item.id === id)).toMatchObject({
        hasPicture: true,
      });
    });

    it('is marked in the export, with the picture itself', async () => {
      const res = await host.agent.get('/admin/export').buffer(true).parse(binary);
      const entries = new Map(readZip(res.body as Buffer).map((entry) => [entry.name, entry.data]));
      expect(await sharp(entries.get(`pictures/${id}.png`)!).metadata()).toMatchObject({ width: 512 });
      const json = JSON.parse(entries.get('prompts.json')!.toString()) as { id: number }[];
      expect(json.find((row) => row.id === id)).toMatchObject({
        hasPicture: true,
        picture: `pictures/${id}.png`,
      });
      const rows = parseCsv(entries.get('prompts.csv')!.toString().slice(1));
      const row = rows.find((cells) => cells[0] === String(id))!;
      expect(row[CSV_COLUMNS.indexOf('hasPicture')]).toBe('yes');
      expect(row[CSV_COLUMNS.indexOf('picture')]).toBe(`pictures/${id}.png`);
    });
  });

  describe('word lists', () => {
    beforeAll(async () => {
      const saved = await settings({ holdWords: ['ass', 'blood moon'], denyWords: ['nazi'] });
      expect(saved.status).toBe(200);
    });
    afterAll(async () => {
      await settings({ holdWords: [], denyWords: [] });
    });

    it('a deny word denies at once; the guest sees it denied, with the reason recorded', async () => {
      const res = await post(alice, '/prompts', { prompt: 'A N4Z1 rally', width: 512, height: 512 });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('denied');
      const home = await openHome(alice.agent);
      expect(home.html).toMatch(
        new RegExp(
          `data-prompt-id="${res.body.id}">[\\s\\S]*?<span class="status status-denied">denied</span>`,
        ),
      );
      expect(await stored(res.body.id)).toMatchObject({
        status: 'denied',
        decisionRule: 'deny-words',
        decisionReason: "It has words on the host's deny list (nazi).",
      });
      // Nobody's queue ever shows it.
      expect((await host.agent.get('/admin').set('Accept', HTML)).text).not.toContain('rally');
    });

    it('a hold word flags it: Flagged, the words highlighted (escaped), never in a bulk action unopened', async () => {
      const res = await post(alice, '/prompts', {
        prompt: '<script>alert(1)</script> what an Äss under a BLOOD MOON',
        width: 512,
        height: 512,
      });
      expect(res.body.status).toBe('pending');
      const page = (await host.agent.get('/admin').set('Accept', HTML)).text;
      const row = page.slice(page.indexOf(`data-prompt-id="${res.body.id}"`));
      expect(row).toContain('<span class="flag">Flagged</span>');
      expect(row).toContain(
        '&lt;script&gt;alert(1)&lt;/script&gt; what an <mark>Äss</mark> under a <mark>BLOOD MOON</mark>',
      );
      expect(page).not.toContain('<script>alert(1)');
      expect(row).toMatch(
        /<input type="checkbox" class="row-select"[^>]*value="\d+" id="select-\d+" disabled/,
      );
    });

    it('no false hit inside longer words', async () => {
      const res = await post(bob, '/prompts', {
        prompt: 'a classy bass player in a glass house',
        width: 512,
        height: 512,
      });
      expect(res.body.status).toBe('pending');
      expect((await stored(res.body.id)).flaggedWords).toBeNull();
    });
  });

  describe('bulk', () => {
    it('approves the selected rows, leaving out flagged and picture prompts until each was opened', async () => {
      await settings({ holdWords: ['gore'] });
      const plain = await party.submit(bob, 'bulk: a quiet harbour');
      const plainToo = await party.submit(bob, 'bulk: a windy harbour');
      const flagged = await party.submit(bob, 'bulk: gore and more gore');
      const picture = await sendPicture(bob, 'bulk: my dog');
      const first = await post(moderator, '/admin/prompts/bulk', {
        ids: [plain, plainToo, flagged, picture],
        action: 'approve',
      });
      expect(first.status).toBe(200);
      expect(first.body.decided).toEqual([plain, plainToo]);
      expect(first.body.skipped).toEqual([
        { id: flagged, reason: 'not-opened' },
        { id: picture, reason: 'not-opened' },
      ]);
      expect(first.body.message).toMatch(/^2 prompts approved\. 2 were left out/);
      // Opened (its own page), the flagged one may go in a bulk action; the picture still may not.
      expect((await moderator.agent.get(`/admin/prompts/${flagged}`).set('Accept', HTML)).status).toBe(200);
      const second = await post(moderator, '/admin/prompts/bulk', {
        ids: [flagged, picture, plain],
        action: 'deny',
      });
      expect(second.body.decided).toEqual([flagged]);
      expect(second.body.skipped).toEqual([
        { id: picture, reason: 'not-opened' },
        { id: plain, reason: 'decided' },
      ]);
      // Opening is per moderator: the host has not opened the picture either.
      const hosts = await post(host, '/admin/prompts/bulk', { ids: [picture], action: 'approve' });
      expect(hosts.body.decided).toEqual([]);
      expect((await stored(picture)).status).toBe('pending');
      // Each decision is in the audit log once, with the moderator.
      for (const id of [plain, plainToo, flagged]) {
        expect((await auditOf(id)).map((entry) => [entry.kind, entry.who])).toEqual([
          ['decision', expect.stringContaining(moderator.username)],
        ]);
      }
      await settings({ holdWords: [] });
    });

    it('works from the plain form (one or several ticked boxes) and refuses bad input with 400', async () => {
      const one = await party.submit(bob, 'bulk form one');
      const two = await party.submit(bob, 'bulk form two');
      const form = await host.agent
        .post('/admin/prompts/bulk')
        .set('Accept', HTML)
        .type('form')
        .send(`_csrf=${encodeURIComponent(host.csrf)}&ids=${one}&ids=${two}&action=deny`);
      expect(form.status).toBe(303);
      expect(form.headers.location).toBe('/admin');
      expect([(await stored(one)).status, (await stored(two)).status]).toEqual(['denied', 'denied']);
      for (const body of [
        { action: 'approve' },
        { ids: ['x'], action: 'approve' },
        { ids: [one], action: 'maybe' },
      ]) {
        expect((await post(host, '/admin/prompts/bulk', body)).status).toBe(400);
      }
      expect((await post(alice, '/admin/prompts/bulk', { ids: [one], action: 'approve' })).status).toBe(403);
    });
  });

  describe('edit then Save and approve', () => {
    it('approves the new text; the guest sees it marked as edited; the audit log keeps the original', async () => {
      const id = await party.submit(alice, 'a lighthouse, but make it gross');
      const page = await moderator.agent.get(`/admin/prompts/${id}`).set('Accept', HTML);
      expect(page.text).toContain('<label for="edit-prompt">Prompt</label>');
      expect(page.text).toContain('>Save and approve</button>');
      const empty = await moderator.agent
        .post(`/admin/prompts/${id}/edit`)
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), prompt: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.text).toContain('Write a prompt first.');
      expect((await stored(id)).status).toBe('pending');

      const saved = await moderator.agent
        .post(`/admin/prompts/${id}/edit`)
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), prompt: 'a lighthouse <b>at dawn</b>' });
      expect(saved.status).toBe(303);
      expect(await stored(id)).toMatchObject({
        status: 'approved',
        prompt: 'a lighthouse <b>at dawn</b>',
        originalPrompt: 'a lighthouse, but make it gross',
      });
      const home = (await openHome(alice.agent)).html;
      const item = home.slice(home.indexOf(`data-prompt-id="${id}"`));
      expect(item).toMatch(
        /^[^]*?a lighthouse &lt;b&gt;at dawn&lt;\/b&gt;<\/p>\s*<p class="edited-note">Edited by the host<\/p>/,
      );
      expect(home).not.toContain('make it gross');
      expect((await alice.agent.get(`/api/prompts/${id}`).set('Accept', JSON_TYPE)).body).toMatchObject({
        prompt: 'a lighthouse <b>at dawn</b>',
        edited: true,
      });
      const entries = await auditOf(id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ kind: 'edit', who: expect.stringContaining(moderator.username) });
      expect(entries[0].lines).toEqual([
        'Original: a lighthouse, but make it gross',
        'Edited: a lighthouse <b>at dawn</b>',
      ]);
      // The audit page escapes it like any text.
      expect((await host.agent.get('/admin/audit').set('Accept', HTML)).text).toContain(
        'Edited: a lighthouse &lt;b&gt;at dawn&lt;/b&gt;',
      );
      // A second edit or decision is refused.
      expect((await post(moderator, `/admin/prompts/${id}/edit`, { prompt: 'again' })).status).toBe(409);
    });
  });

  describe('trust', () => {
    it('Trust on a moderation row: with Auto-approve on trusted guests, their prompts are approved at once', async () => {
      await settings({ autoApprove: 'trusted' });
      const carol = await party.guest('Phone/moderation-carol');
      const waiting = await party.submit(carol, 'sent before trust');
      const carolId = (await stored(waiting)).userId;
      const page = (await moderator.agent.get('/admin').set('Accept', HTML)).text;
      expect(page).toContain(`action="/admin/users/${carolId}/trust?back=moderation"`);
      const trusted = await moderator.agent
        .post(`/admin/users/${carolId}/trust?back=moderation`)
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: moderator.csrf });
      expect(trusted.status).toBe(303);
      expect(trusted.headers.location).toBe('/admin');
      expect(await stored(waiting)).toMatchObject({ status: 'approved', decisionRule: 'trusted-guest' });
      const next = await post(carol, '/prompts', { prompt: 'sent while trusted', width: 512, height: 512 });
      expect(next.body.status).toBe('approved');
      // Untrust from the users page (the admin's).
      const users = (await host.agent.get('/admin/users').set('Accept', HTML)).text;
      expect(users).toContain(`action="/admin/users/${carolId}/untrust"`);
      expect((await post(host, `/admin/users/${carolId}/untrust`)).status).toBe(200);
      expect(
        (await post(carol, '/prompts', { prompt: 'no longer trusted', width: 512, height: 512 })).body.status,
      ).toBe('pending');
      // Guests cannot trust anyone.
      expect((await post(bob, `/admin/users/${carolId}/trust`)).status).toBe(403);
      await settings({ autoApprove: 'off' });
      const trustEntries = (await audit('?kind=trust')).entries.filter((entry) =>
        entry.summary.includes(carol.colour),
      );
      expect(trustEntries.map((entry) => entry.action)).toEqual(['untrust', 'trust']);
    });
  });

  describe('Review renders', () => {
    let waiting: number;
    let hidden: number;
    let carol: Guest;

    beforeAll(async () => {
      carol = await party.guest('Phone/moderation-review');
      expect((await settings({ reviewRenders: true })).status).toBe(200);
      waiting = await party.submit(carol, 'review: a comet over the sea');
      hidden = await party.submit(carol, 'review: something nobody should project');
      await party.approveAndRender(waiting, solidPng(8, 8, [10, 200, 10]));
      await party.approveAndRender(hidden, solidPng(8, 8, [200, 10, 10]));
      expect((await post(host, '/admin/reveal', { revealed: true })).status).toBe(200);
    });
    afterAll(async () => {
      await settings({ reviewRenders: false });
      await post(host, '/admin/reveal', { revealed: false });
    });

    const slideIds = async (query = '') =>
      (
        (await host.agent.get(`/admin/show/slides?after=0${query}`).set('Accept', JSON_TYPE)).body as {
          slides: { id: number }[];
        }
      ).slides.map((slide) => slide.id);

    it('a new render stays out of the show and the guest’s page until passed; staff see it to decide', async () => {
      expect(await slideIds()).not.toContain(waiting);
      expect((await host.agent.get('/admin/show').set('Accept', HTML)).text).not.toContain(
        `data-slide-id="${waiting}"`,
      );
      expect((await getBytes(carol.agent, `/images/${waiting}`)).status).toBe(404);
      expect((await openHome(carol.agent)).html).not.toContain(`src="/images/${waiting}"`);
      expect(
        (await carol.agent.get(`/api/prompts/${waiting}`).set('Accept', JSON_TYPE)).body.imageUrl,
      ).toBeNull();
      expect((await getBytes(moderator.agent, `/images/${waiting}`)).status).toBe(200);
      const panel = (await moderator.agent.get('/admin/fragments/renderer').set('Accept', HTML)).text;
      expect(panel).toContain('Renders to review');
      expect(panel).toContain(`aria-label="Pass the render of prompt #${waiting}"`);
      // The deck offers renders to review first.
      const card = await moderator.agent
        .get('/admin/deck/card?deck=0b7f6b1e-1111-4a4a-9c9c-000000000002')
        .set('Accept', JSON_TYPE);
      expect(card.body.card).toMatchObject({ kind: 'render', id: waiting });

      const since = new Date().toISOString();
      expect((await post(moderator, `/admin/renders/${waiting}/pass`)).body).toEqual({
        id: waiting,
        review: 'passed',
      });
      expect((await post(moderator, `/admin/renders/${waiting}/pass`)).status).toBe(409);
      expect(await slideIds()).toContain(waiting);
      // Live mode learns of it even though an older slide id is behind the show's last one.
      const live = await host.agent
        .get(`/admin/show/slides?after=${waiting + 1000}&reviewedSince=${encodeURIComponent(since)}`)
        .set('Accept', JSON_TYPE);
      expect(live.body.reviewed.passed.map((slide: { id: number }) => slide.id)).toEqual([waiting]);
      expect((await getBytes(carol.agent, `/images/${waiting}`)).status).toBe(200);
      expect((await openHome(carol.agent)).html).toContain(`src="/images/${waiting}"`);
    });

    it('a hidden render never appears in the show, the reveal or the export; it stays in the audit log', async () => {
      const since = new Date().toISOString();
      expect((await post(moderator, `/admin/renders/${hidden}/hide`)).status).toBe(200);
      // Hide works on any render later, a passed one too.
      expect((await post(host, `/admin/renders/${waiting}/hide`)).status).toBe(200);
      expect(await slideIds()).not.toContain(hidden);
      expect(await slideIds()).not.toContain(waiting);
      const live = await host.agent
        .get(`/admin/show/slides?after=0&reviewedSince=${encodeURIComponent(since)}`)
        .set('Accept', JSON_TYPE);
      expect(live.body.reviewed.hidden.toSorted()).toEqual([waiting, hidden].toSorted());
      for (const id of [hidden, waiting]) {
        expect((await getBytes(carol.agent, `/images/${id}`)).status).toBe(404);
        expect((await openHome(carol.agent)).html).not.toContain(`src="/images/${id}"`);
        const history = await carol.agent.get('/history?tab=rendered').set('Accept', HTML);
        expect(history.text).not.toContain(`src="/images/${id}"`);
      }
      const zip = await host.agent.get('/admin/export').buffer(true).parse(binary);
      const entries = new Map(readZip(zip.body as Buffer).map((entry) => [entry.name, entry.data]));
      expect([...entries.keys()]).not.toContain(`images/${hidden}.png`);
      expect([...entries.keys()]).not.toContain(`images/${waiting}.png`);
      const json = JSON.parse(entries.get('prompts.json')!.toString()) as { id: number }[];
      expect(json.find((row) => row.id === hidden)).toMatchObject({
        imageFile: null,
        renderReview: 'hidden',
      });
      const auditJson = JSON.parse(entries.get('audit.json')!.toString()) as {
        promptId: number;
        action: string;
      }[];
      expect(auditJson.filter((entry) => entry.promptId === hidden).map((entry) => entry.action)).toEqual([
        'approve',
        'hide',
      ]);
    });

    it('guests cannot pass or hide; unknown ids are 404, a prompt without a render 409', async () => {
      expect((await post(carol, `/admin/renders/${hidden}/pass`)).status).toBe(403);
      expect((await post(host, '/admin/renders/999999/hide')).status).toBe(404);
      const pending = await party.submit(carol, 'review: not rendered');
      expect((await post(host, `/admin/renders/${pending}/pass`)).status).toBe(409);
      expect((await post(host, `/admin/renders/${pending}/explode`)).status).toBe(400);
    });
  });

  describe('how far behind', () => {
    it('shows waiting count, oldest waiting age, decisions a minute and the GPU queue', async () => {
      const counts = (await moderator.agent.get('/admin/fragments/counts').set('Accept', HTML)).text;
      const waiting = await gateway.app.get(SuggestionQueries).countByStatus();
      expect(counts).toContain(`<dd data-behind="waiting">${waiting.pending}</dd>`);
      expect(counts).toMatch(/<dd data-behind="oldest"><time data-age-since datetime="\d{4}-[^"]+"/);
      expect(counts).toMatch(
        /<dd data-behind="rate">\d+(\.\d)? <span class="muted">\(last 5 minutes\)<\/span>/,
      );
      // Approved prompts wait for a GPU whose time per image is not known yet (no render has a start time here).
      expect(counts).toMatch(
        /<dd data-behind="gpu">(\d+ waiting; the time per image is not known yet|none: the GPU is free)<\/dd>/,
      );
    });
  });

  describe('the audit log', () => {
    it('is the admin’s: moderators and guests get 403, and it never holds an address', async () => {
      expect((await moderator.agent.get('/admin/audit').set('Accept', JSON_TYPE)).status).toBe(403);
      expect((await alice.agent.get('/admin/audit').set('Accept', JSON_TYPE)).status).toBe(403);
      const zip = await host.agent.get('/admin/export').buffer(true).parse(binary);
      const text = readZip(zip.body as Buffer)
        .find((entry) => entry.name === 'audit.csv')!
        .data.toString();
      expect(text).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
    });

    it('records every kind of action once, with who did it, and filters by kind and by person', async () => {
      const dave = await party.guest('Phone/moderation-dave');
      const daveId = (await stored(await party.submit(dave, 'dave waits'))).userId;
      const before = (await audit()).total;
      const decided = await party.submit(dave, 'dave approved');
      await post(moderator, `/admin/prompts/${decided}/approve`);
      await post(host, `/admin/users/${daveId}/ban`);
      await post(host, `/admin/users/${daveId}/unban`);
      await post(moderator, `/admin/users/${daveId}/trust`);
      const member = await gateway.app.get(UsersRepository).createWithColour('member', null);
      await gateway.app
        .get(UsersRepository)
        .setAccount(member.id, { username: 'audited', email: 'audited@example.test', role: 'member' });
      expect((await post(host, `/admin/users/${member.id}/role`, { role: 'moderator' })).status).toBe(200);
      await post(host, '/admin/reveal', { revealed: true });
      await post(host, '/admin/reveal', { revealed: false });
      await settings({ steps: 31 });
      // Saving again without a change records nothing.
      await settings({ steps: 31 });
      const after = await audit();
      const fresh = after.entries.slice(0, after.total - before).toReversed();
      expect(fresh.map((entry) => [entry.kind, entry.action])).toEqual([
        ['decision', 'approve'],
        ['ban', 'ban'],
        ['ban', 'unban'],
        ['trust', 'trust'],
        ['role', 'change-role'],
        ['reveal', 'reveal'],
        ['reveal', 'unreveal'],
        ['settings', 'change-settings'],
      ]);
      expect(fresh[0].who).toContain(moderator.username);
      expect(fresh[1]).toMatchObject({
        summary: expect.stringMatching(/^Banned .*; 1 waiting prompt was denied$/),
      });
      expect(fresh[1].lines).toEqual([expect.stringMatching(/^Denied: #\d+$/)]);
      expect(fresh[3].who).toContain(moderator.username);
      expect(fresh[4].lines).toEqual(['role: member → moderator']);
      expect(fresh[7].lines).toEqual(['Steps: 20 → 31']);
      for (const entry of fresh.filter((e) => e.kind !== 'decision' && e.kind !== 'trust')) {
        expect(entry.who).not.toContain(moderator.username);
      }

      const bans = await audit('?kind=ban');
      expect(bans.entries.every((entry) => entry.kind === 'ban')).toBe(true);
      expect(bans.entries).toHaveLength(2);
      const byModerator = await audit(`?actor=${moderator.id}`);
      expect(byModerator.entries.length).toBeGreaterThan(0);
      expect(byModerator.entries.every((entry) => entry.who.includes(moderator.username))).toBe(true);
      const automatic = await audit('?actor=auto');
      expect(automatic.entries.every((entry) => entry.automatic)).toBe(true);
      expect(automatic.entries.some((entry) => entry.kind === 'auto-decision')).toBe(true);
      expect((await audit(`?kind=ban&actor=${hostId}`)).entries).toHaveLength(2);
      // The page: filters by kind and person, entries with their time.
      const html = (await host.agent.get('/admin/audit?kind=ban').set('Accept', HTML)).text;
      expect(html).toContain('<label for="audit-kind">Kind</label>');
      expect(html).toContain('<label for="audit-actor">Person</label>');
      expect(html).toContain('<option value="ban" selected>Ban</option>');
      for (const bad of ['?kind=everything', '?actor=someone', '?page=0']) {
        expect((await host.agent.get(`/admin/audit${bad}`).set('Accept', JSON_TYPE)).status).toBe(400);
      }
    });
  });
});
