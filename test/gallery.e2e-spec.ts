import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEventsService } from '../apps/gateway/src/live/live-events.service.js';
import type { LiveEvent } from '../apps/gateway/src/live/live-events.js';
import { SettingsService } from '../apps/gateway/src/settings/settings.service.js';
import { CSV_COLUMNS } from '../apps/gateway/src/gallery/export.service.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { SuggestionLifecycle } from '../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import { HTML, makeTempDir, startGateway, type Browser, type TestGateway } from './gateway/harness.js';
import { Party, solidPng, type Guest } from './support/gallery-fixtures.js';
import { parseCsv, readZip } from './support/zip-reader.js';

/** Collects a response body as bytes, whatever its content type. */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
}

const getImage = (agent: Browser | request.Agent, path: string) =>
  agent.get(path).set('Accept', 'image/avif,image/webp,image/png,*/*').buffer(true).parse(binary);

describe('gallery: images, reveal, show slides, guest images, export (HTTP, real SQLite file)', () => {
  const temp = makeTempDir('vernissage-gallery-');
  let gateway: TestGateway;
  let party: Party;
  let host: { agent: Browser; csrf: string };
  let alice: Guest;
  let bob: Guest;
  const ids: Record<string, number> = {};
  const images: Record<string, Buffer> = {};
  const events: LiveEvent[] = [];

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '1000' });
    gateway.app
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
    party = new Party(gateway);
    host = await party.host();
    alice = await party.guest('Phone/gallery-alice');
    bob = await party.guest('Phone/gallery-bob');

    ids.aliceRendered = await party.submit(alice, 'Alice: a glass lighthouse at dusk', 512, 768);
    ids.alicePending = await party.submit(alice, 'Alice: still waiting for the host');
    ids.aliceDenied = await party.submit(alice, 'Alice: something the host refused');
    ids.aliceFailed = await party.submit(alice, 'Alice: approved, then failed');
    ids.bobRendered = await party.submit(
      bob,
      '=HYPERLINK("http://evil.example","click"), a "quoted", prompt\nwith a line break',
    );
    ids.aliceApproved = await party.submit(alice, 'Alice: approved, not rendered yet');

    images.aliceRendered = solidPng(16, 24, [200, 40, 40]);
    images.bobRendered = solidPng(16, 16, [40, 40, 200]);
    await party.approveAndRender(ids.aliceRendered, images.aliceRendered);
    await party.approveAndRender(ids.bobRendered, images.bobRendered);
    await party.decide(ids.aliceDenied, 'deny');
    await party.decide(ids.aliceFailed, 'approve');
    await party.decide(ids.aliceApproved, 'approve');
    expect(
      await gateway.app.get(SuggestionLifecycle).fail(ids.aliceFailed, 'CUDA out of memory'),
    ).toMatchObject({
      ok: true,
    });
    // A file for a prompt that is not rendered must never be served just because it is on disk.
    for (const name of ['aliceFailed', 'aliceApproved', 'aliceDenied', 'alicePending']) {
      writeFileSync(join(gateway.config.outputDir, `${ids[name]}.png`), solidPng(4, 4, [0, 0, 0]));
    }
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  async function setRevealed(revealed: boolean): Promise<void> {
    const res = await host.agent
      .post('/admin/reveal')
      .set('Accept', 'application/json')
      .set('x-csrf-token', host.csrf)
      .send({ revealed });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revealed });
  }

  describe('GET /images/:id before the reveal', () => {
    it('serves the host the exact file, with its type, private caching and inline disposition', async () => {
      const res = await getImage(host.agent, `/images/${ids.aliceRendered}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['cache-control']).toMatch(/^private\b/);
      expect(res.headers['content-disposition']).toBe('inline');
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.headers['content-length']).toBe(String(images.aliceRendered.length));
      expect(Buffer.compare(res.body as Buffer, images.aliceRendered)).toBe(0);
    });

    it('sends a named attachment with ?download=1', async () => {
      const res = await getImage(host.agent, `/images/${ids.bobRendered}?download=1`);
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="vernissage-${ids.bobRendered}.png"`,
      );
      expect(Buffer.compare(res.body as Buffer, images.bobRendered)).toBe(0);
    });

    it('answers 404 to the author, to other guests and to strangers: existence is not revealed', async () => {
      for (const agent of [alice.agent, bob.agent, request.agent(gateway.url)]) {
        for (const id of [ids.aliceRendered, ids.bobRendered]) {
          const res = await getImage(agent, `/images/${id}`);
          expect(res.status).toBe(404);
          expect(res.headers['content-type']).not.toMatch(/^image\//);
        }
      }
      // The same answer as for an id that does not exist.
      const unknown = await alice.agent.get('/images/999999').set('Accept', 'application/json');
      const hidden = await alice.agent.get(`/images/${ids.aliceRendered}`).set('Accept', 'application/json');
      expect(hidden.body).toEqual(unknown.body);
    });

    it('never serves a prompt that is not rendered, even to the host and even with a file on disk', async () => {
      for (const name of ['alicePending', 'aliceDenied', 'aliceFailed', 'aliceApproved']) {
        expect((await getImage(host.agent, `/images/${ids[name]}`)).status, name).toBe(404);
      }
      expect((await getImage(host.agent, '/images/999999')).status).toBe(404);
      expect((await getImage(host.agent, '/images/0')).status).toBe(404);
      expect((await getImage(host.agent, '/images/-1')).status).toBe(404);
    });

    it('refuses ids that are not ids (path traversal, file names) with 400 or 404', async () => {
      for (const path of [
        '/images/..%2F..%2Fetc%2Fpasswd',
        '/images/%2e%2e',
        `/images/${ids.aliceRendered}.png`,
        `/images/${ids.aliceRendered}%2F..%2F..%2Fvernissage.sqlite`,
        '/images/1e3',
        '/images/%00',
        '/images/..%5C..%5Cwindows',
      ]) {
        const res = await getImage(host.agent, path);
        expect([400, 404], path).toContain(res.status);
        expect(res.headers['content-type'], path).not.toMatch(/^image\/|octet-stream/);
      }
    });

    it("refuses the host's cookie on a device that is not enrolled", async () => {
      const cookie = (await host.agent.get('/admin').set('Accept', HTML)).request.getHeader('Cookie');
      const thief = request(gateway.url);
      const res = await thief
        .get(`/images/${ids.aliceRendered}`)
        .set('Cookie', String(cookie))
        .set('User-Agent', 'Phone/thief');
      expect(res.status).toBe(404);
    });
  });

  describe('POST /admin/reveal', () => {
    it('is refused to guests (403) and without the CSRF token (403); bad input is 400; nothing changes', async () => {
      const asGuest = await alice.agent
        .post('/admin/reveal')
        .set('Accept', 'application/json')
        .set('x-csrf-token', alice.csrf)
        .send({ revealed: true });
      expect(asGuest.status).toBe(403);
      const withoutToken = await host.agent
        .post('/admin/reveal')
        .set('Accept', 'application/json')
        .send({ revealed: true });
      expect(withoutToken.status).toBe(403);
      const anonymous = await request(gateway.url)
        .post('/admin/reveal')
        .set('Accept', 'application/json')
        .send({ revealed: true });
      expect(anonymous.status).toBe(403);
      for (const body of [{}, { revealed: 'yes' }, { revealed: 1 }, { revealed: null }]) {
        const bad = await host.agent
          .post('/admin/reveal')
          .set('Accept', 'application/json')
          .set('x-csrf-token', host.csrf)
          .send(body);
        expect(bad.status, JSON.stringify(body)).toBe(400);
        expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      }
      expect((await gateway.app.get(SettingsService).get()).revealed).toBe(false);
      expect(events.filter((event) => event.type === 'settings.updated')).toHaveLength(0);
    });

    it('shows the Reveal switch on the admin page with links to the show and the export', async () => {
      const html = (await host.agent.get('/admin').set('Accept', HTML)).text;
      const input = /<input[^>]*role="switch"[^>]*>/.exec(html)?.[0] ?? '';
      expect(input).toMatch(/id="reveal"/);
      expect(input).not.toMatch(/checked/);
      expect(html).toMatch(/<label for="reveal">Reveal<\/label>/);
      expect(html).toContain('<a href="/admin/show">Show</a>');
      expect(html).toMatch(/<a href="\/admin\/export"[^>]*>Export<\/a>/);
    });

    it('applies at once from JSON, tells open pages, and the admin page shows the new state', async () => {
      await setRevealed(true);
      expect((await gateway.app.get(SettingsService).get()).revealed).toBe(true);
      expect(events.at(-1)).toEqual({ type: 'settings.updated' });
      const html = (await host.agent.get('/admin').set('Accept', HTML)).text;
      expect(/<input[^>]*role="switch"[^>]*>/.exec(html)?.[0]).toMatch(/checked/);
    });

    it('works from the plain form too (hidden false, then the checkbox): redirects back to /admin', async () => {
      const off = await host.agent
        .post('/admin/reveal')
        .set('Accept', HTML)
        .type('form')
        .send(`_csrf=${encodeURIComponent(host.csrf)}&revealed=false`);
      expect(off.status).toBe(303);
      expect(off.headers.location).toBe('/admin');
      expect((await gateway.app.get(SettingsService).get()).revealed).toBe(false);
      const on = await host.agent
        .post('/admin/reveal')
        .set('Accept', HTML)
        .type('form')
        .send(`_csrf=${encodeURIComponent(host.csrf)}&revealed=false&revealed=true`);
      expect(on.status).toBe(303);
      expect((await gateway.app.get(SettingsService).get()).revealed).toBe(true);
      await setRevealed(false);
    });
  });

  describe('after the reveal', () => {
    it('serves each guest their own rendered image only; strangers still get 404', async () => {
      await setRevealed(true);
      const own = await getImage(alice.agent, `/images/${ids.aliceRendered}`);
      expect(own.status).toBe(200);
      expect(Buffer.compare(own.body as Buffer, images.aliceRendered)).toBe(0);
      const download = await getImage(bob.agent, `/images/${ids.bobRendered}?download=1`);
      expect(download.status).toBe(200);
      expect(download.headers['content-disposition']).toBe(
        `attachment; filename="vernissage-${ids.bobRendered}.png"`,
      );
      expect((await getImage(alice.agent, `/images/${ids.bobRendered}`)).status).toBe(404);
      expect((await getImage(bob.agent, `/images/${ids.aliceRendered}`)).status).toBe(404);
      expect((await getImage(request.agent(gateway.url), `/images/${ids.aliceRendered}`)).status).toBe(404);
      for (const name of ['alicePending', 'aliceDenied', 'aliceFailed', 'aliceApproved']) {
        expect((await getImage(alice.agent, `/images/${ids[name]}`)).status, name).toBe(404);
      }
      // The host still sees everything.
      expect((await getImage(host.agent, `/images/${ids.bobRendered}`)).status).toBe(200);
    });

    it("shows a guest's own images with a Download link on their page, and never another guest's", async () => {
      const page = (await alice.agent.get('/').set('Accept', HTML)).text;
      expect(page).toContain(
        `<img src="/images/${ids.aliceRendered}" alt="Your image for: Alice: a glass lighthouse at dusk"`,
      );
      expect(page).toContain(`href="/images/${ids.aliceRendered}?download=1"`);
      expect(page.match(/>Download<\/a>/g)).toHaveLength(1);
      expect(page).not.toContain(`/images/${ids.bobRendered}`);
      for (const name of ['alicePending', 'aliceDenied', 'aliceFailed', 'aliceApproved']) {
        expect(page, name).not.toContain(`/images/${ids[name]}`);
      }
      const bobPage = (await bob.agent.get('/').set('Accept', HTML)).text;
      expect(bobPage).toContain(`<img src="/images/${ids.bobRendered}"`);
      // Escaped like every guest text.
      expect(bobPage).toContain('alt="Your image for: &#x3D;HYPERLINK(&quot;http://evil.example&quot;');
      expect(bobPage).not.toContain(`/images/${ids.aliceRendered}`);
    });

    it('hides everything again when the host switches the reveal off', async () => {
      await setRevealed(false);
      expect((await getImage(alice.agent, `/images/${ids.aliceRendered}`)).status).toBe(404);
      const page = (await alice.agent.get('/').set('Accept', HTML)).text;
      expect(page).not.toContain('/images/');
      expect(page).not.toContain('>Download<');
    });
  });

  describe('the show', () => {
    it('lists only rendered prompts, in submission order, with prompt and colour', async () => {
      const res = await host.agent.get('/admin/show/slides').set('Accept', 'application/json');
      expect(res.status).toBe(200);
      expect(res.body.hasMore).toBe(false);
      expect(res.body.slides).toEqual([
        {
          id: ids.aliceRendered,
          prompt: 'Alice: a glass lighthouse at dusk',
          width: 512,
          height: 768,
          src: `/images/${ids.aliceRendered}`,
          author: expect.objectContaining({ colourName: alice.colour }),
        },
        expect.objectContaining({
          id: ids.bobRendered,
          author: expect.objectContaining({ colourName: bob.colour }),
        }),
      ]);
      const after = await host.agent
        .get(`/admin/show/slides?after=${ids.aliceRendered}`)
        .set('Accept', 'application/json');
      expect(after.body.slides.map((slide: { id: number }) => slide.id)).toEqual([ids.bobRendered]);
      const none = await host.agent
        .get(`/admin/show/slides?after=${ids.bobRendered}`)
        .set('Accept', 'application/json');
      expect(none.body).toEqual({ slides: [], hasMore: false });
    });

    it('is for the host only and validates `after`', async () => {
      expect((await alice.agent.get('/admin/show/slides').set('Accept', 'application/json')).status).toBe(
        403,
      );
      expect((await alice.agent.get('/admin/show').set('Accept', HTML)).status).toBe(403);
      expect((await request(gateway.url).get('/admin/show/slides')).status).toBe(401);
      for (const after of ['abc', '1.5', '', '-']) {
        const res = await host.agent
          .get(`/admin/show/slides?after=${after}`)
          .set('Accept', 'application/json');
        expect(res.status, after).toBe(400);
      }
    });

    it('renders the show page with the rendered slides only and no inline script', async () => {
      const res = await host.agent.get('/admin/show').set('Accept', HTML);
      expect(res.status).toBe(200);
      const html = res.text;
      expect(html).toContain('Alice: a glass lighthouse at dusk');
      expect(html).toContain(`src="/images/${ids.bobRendered}"`);
      for (const text of ['still waiting', 'host refused', 'then failed', 'not rendered yet']) {
        expect(html, text).not.toContain(text);
      }
      expect(html).toMatch(/<button[^>]*>Next<\/button>/);
      expect(html).toMatch(/<button[^>]*>Previous<\/button>/);
      const scripts = html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts)
        expect(script).toMatch(/^<script src="\/public\/[a-z-]+\.js"[^>]*><\/script>$/);
      expect((await host.agent.get('/public/show.js')).status).toBe(200);
    });
  });

  describe('GET /admin/export', () => {
    it('is for the host only', async () => {
      expect((await alice.agent.get('/admin/export')).status).toBe(403);
      expect((await request(gateway.url).get('/admin/export')).status).toBe(401);
    });

    it('streams one ZIP with every rendered image and every prompt as CSV and JSON, over several batches', async () => {
      // Enough prompts to cross the export's batch size, written straight through the repository.
      const repository = gateway.app.get(SuggestionQueries);
      const aliceId = (await repository.findById(ids.aliceRendered))!.userId;
      for (let i = 0; i < 520; i++) {
        await gateway.app
          .get(SuggestionLifecycle)
          .submit(
            { userId: aliceId, prompt: `bulk prompt ${i}`, width: 512, height: 512, pictureFile: null },
            10_000,
          );
      }

      const res = await host.agent.get('/admin/export').buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="vernissage-export-[\dT-]+\.zip"$/,
      );
      expect(res.headers['cache-control']).toMatch(/private/);
      // Streamed: the length is not known up front.
      expect(res.headers['content-length']).toBeUndefined();
      const entries = readZip(res.body as Buffer);
      const byName = new Map(entries.map((entry) => [entry.name, entry.data]));
      expect([...byName.keys()].toSorted()).toEqual(
        [
          'prompts.csv',
          'prompts.json',
          'audit.csv',
          'audit.json',
          `images/${ids.aliceRendered}.png`,
          `images/${ids.aliceRendered}.json`,
          `images/${ids.bobRendered}.png`,
          `images/${ids.bobRendered}.json`,
        ].toSorted(),
      );
      expect(Buffer.compare(byName.get(`images/${ids.aliceRendered}.png`)!, images.aliceRendered)).toBe(0);
      expect(Buffer.compare(byName.get(`images/${ids.bobRendered}.png`)!, images.bobRendered)).toBe(0);

      const total = 6 + 520;
      const json = JSON.parse(byName.get('prompts.json')!.toString('utf8')) as Record<string, unknown>[];
      expect(json).toHaveLength(total);
      expect(new Set(json.map((row) => row.id)).size).toBe(total);
      expect(json.find((row) => row.id === ids.aliceRendered)).toMatchObject({
        prompt: 'Alice: a glass lighthouse at dusk',
        colour: { name: alice.colour, hex: expect.stringMatching(/^#[0-9a-f]{6}$/i) },
        width: 512,
        height: 768,
        status: 'rendered',
        seed: 1000 + ids.aliceRendered,
        imageFile: `${ids.aliceRendered}.png`,
        submittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        decidedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        renderedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        failedAt: null,
      });
      expect(json.find((row) => row.id === ids.aliceFailed)).toMatchObject({
        status: 'failed',
        failureReason: 'CUDA out of memory',
        imageFile: null,
        failedAt: expect.stringMatching(/^\d{4}-/),
      });
      expect(json.find((row) => row.id === ids.aliceDenied)).toMatchObject({ status: 'denied' });
      expect(json.find((row) => row.id === ids.alicePending)).toMatchObject({
        status: 'pending',
        decidedAt: null,
      });

      const csvText = byName.get('prompts.csv')!.toString('utf8');
      expect(csvText.startsWith('\uFEFF')).toBe(true);
      const rows = parseCsv(csvText.slice(1));
      expect(rows[0]).toEqual([
        'id',
        'prompt',
        'colourName',
        'colourHex',
        'width',
        'height',
        'status',
        'submittedAt',
        'decidedAt',
        'queuedAt',
        'renderedAt',
        'failedAt',
        'failureReason',
        'decisionReason',
        'decisionRule',
        'flaggedWords',
        'edited',
        'hasPicture',
        'picture',
        'seed',
        'renderReview',
        'imageFile',
      ]);
      expect(rows).toHaveLength(total + 1);
      const bobRow = rows.find((row) => row[0] === String(ids.bobRendered))!;
      // Quotes, commas and line breaks survive; the formula is defused with a leading quote.
      expect(bobRow[1]).toBe(
        `'=HYPERLINK("http://evil.example","click"), a "quoted", prompt\nwith a line break`,
      );
      expect(bobRow[2]).toBe(bob.colour);
      expect(bobRow[6]).toBe('rendered');
      expect(bobRow[CSV_COLUMNS.indexOf('imageFile')]).toBe(`${ids.bobRendered}.png`);
      expect(bobRow[CSV_COLUMNS.indexOf('hasPicture')]).toBe('no');
      expect(rows.find((row) => row[0] === String(ids.aliceFailed))![12]).toBe('CUDA out of memory');
      expect(rows.filter((row) => row[1]?.startsWith('bulk prompt '))).toHaveLength(520);
      const metadata = JSON.parse(byName.get(`images/${ids.bobRendered}.json`)!.toString('utf8'));
      expect(metadata).toMatchObject({ id: ids.bobRendered });
      expect(readFileSync(join(gateway.config.outputDir, `${ids.bobRendered}.json`), 'utf8')).toBe(
        byName.get(`images/${ids.bobRendered}.json`)!.toString('utf8'),
      );
    });
  });
});
