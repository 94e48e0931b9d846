import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { HTML, makeTempDir, startGateway, type Browser, type TestGateway } from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';
import { Party, type Guest } from './support/gallery-fixtures.js';

const JSON_TYPE = 'application/json';

describe('JSON API and API tokens (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let party: Party;
  let counter = 0;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '5', SUBMISSIONS_PER_MINUTE: '100' });
    party = new Party(gateway);
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  const api = () => request(gateway.url);
  const newGuest = () => party.guest(`Phone/api-${++counter}`);

  async function createToken(agent: Browser, csrf: string, name = 'script'): Promise<string> {
    const res = await agent
      .post('/account/api-tokens')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ name });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^vn_[A-Za-z0-9_-]{43}$/);
    return res.body.token as string;
  }

  async function userIdOf(guest: Guest): Promise<number> {
    const res = await guest.agent.get('/').set('Accept', HTML);
    return Number(/data-user-id="(\d+)"/.exec(res.text)![1]);
  }

  async function adminToken(): Promise<string> {
    const host = await party.host();
    return createToken(host.agent, host.csrf, 'admin script');
  }

  describe('API tokens', () => {
    it('shows a new token once, stores only its SHA-256, and lists name and dates without it', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf, 'my laptop');
      const rows: { token_hash: string; name: string }[] = await gateway.app
        .get(DataSource)
        .query('SELECT token_hash, name FROM api_tokens WHERE name = ?', ['my laptop']);
      expect(rows).toEqual([
        { token_hash: createHash('sha256').update(token).digest('hex'), name: 'my laptop' },
      ]);
      const dump = JSON.stringify(await gateway.app.get(DataSource).query('SELECT * FROM api_tokens'));
      expect(dump).not.toContain(token.slice(3));

      const list = await guest.agent.get('/account/api-tokens').set('Accept', JSON_TYPE);
      expect(list.status).toBe(200);
      expect(list.body).toEqual([
        expect.objectContaining({ name: 'my laptop', lastUsedAt: null, createdAt: expect.any(String) }),
      ]);
      expect(list.text).not.toContain(token);
      const page = await guest.agent.get('/account/api-tokens').set('Accept', HTML);
      expect(page.text).toContain('my laptop');
      expect(page.text).not.toContain(token);
    });

    it('the page form shows the token in a read-only field labelled "API token"', async () => {
      const guest = await newGuest();
      const res = await guest.agent
        .post('/account/api-tokens')
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: guest.csrf, name: '<b>bold</b>' });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toMatch(/<label for="api-token">API token<\/label>/);
      expect(res.text).toMatch(/<input id="api-token"[^>]*value="vn_[A-Za-z0-9_-]{43}" readonly/);
      expect(res.text).toContain('&lt;b&gt;bold&lt;/b&gt;');
      expect(res.text).toContain('>Create API token</button>');
      expect(res.text).toContain('>Revoke</button>');
    });

    it('create → use → revoke → 401; the cookie alone never creates a token without CSRF', async () => {
      const guest = await newGuest();
      const forged = await guest.agent.post('/account/api-tokens').set('Accept', JSON_TYPE).send({});
      expect(forged.status).toBe(403);
      const token = await createToken(guest.agent, guest.csrf);
      const used = await api().get('/api/prompts').set('Authorization', `Bearer ${token}`);
      expect(used.status).toBe(200);
      expect(used.body).toEqual({ items: [], total: 0, page: 1, limit: 50 });
      const [{ id }] = (await guest.agent.get('/account/api-tokens').set('Accept', JSON_TYPE)).body;
      expect(
        (await guest.agent.get('/account/api-tokens').set('Accept', JSON_TYPE)).body[0].lastUsedAt,
      ).not.toBeNull();

      const revoked = await guest.agent
        .post(`/account/api-tokens/${id}/revoke`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', guest.csrf);
      expect(revoked.status).toBe(200);
      const after = await api().get('/api/prompts').set('Authorization', `Bearer ${token}`);
      expect(after.status).toBe(401);
      expect(after.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
      // Someone else's (or an already revoked) token id: 404, nothing changed.
      const again = await guest.agent
        .post(`/account/api-tokens/${id}/revoke`)
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', guest.csrf);
      expect(again.status).toBe(404);
    });

    it('a bearer token does not work on pages, and cannot create more tokens', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      const res = await api()
        .post('/account/api-tokens')
        .set('Accept', JSON_TYPE)
        .set('Authorization', `Bearer ${token}`)
        .send({});
      expect([401, 403]).toContain(res.status);
    });
  });

  describe('authentication on /api', () => {
    it('401 without a session or token, with a bad token, and with username:password (Basic)', async () => {
      const body = { prompt: 'a fox', width: 512, height: 512 };
      for (const authorization of [undefined, 'Bearer vn_nope', 'Bearer', 'Basic YWRtaW46cGFzc3dvcmQ=']) {
        const req = api().post('/api/prompts').set('Accept', JSON_TYPE);
        if (authorization) req.set('Authorization', authorization);
        const res = await req.send(body);
        expect(res.status, String(authorization)).toBe(401);
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      // What to send, rather than the guest page's "open the home page first".
      const bare = await api().get('/api/prompts');
      expect(bare.body.message).toBe(
        'This needs an API token (Authorization: Bearer vn_…) or a signed-in session.',
      );
      expect(await gateway.app.get(SuggestionQueries).countByStatus()).toMatchObject({ pending: 0 });
    });

    it('a bearer token needs no CSRF token; the session cookie still does', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      const body = { prompt: 'a quiet harbour', width: 512, height: 512 };
      const withToken = await api().post('/api/prompts').set('Authorization', `Bearer ${token}`).send(body);
      expect(withToken.status).toBe(201);
      expect(withToken.body).toEqual({ id: expect.any(Number), status: 'pending' });

      const cookieNoCsrf = await guest.agent.post('/api/prompts').set('Accept', JSON_TYPE).send(body);
      expect(cookieNoCsrf.status).toBe(403);
      expect(cookieNoCsrf.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      const cookieWithCsrf = await guest.agent
        .post('/api/prompts')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', guest.csrf)
        .send(body);
      expect(cookieWithCsrf.status).toBe(201);
      const mine = await api().get('/api/prompts').set('Authorization', `Bearer ${token}`);
      expect(mine.body.total).toBe(2);
    });
  });

  describe('POST /api/prompts', () => {
    it('400 for an empty prompt, 2001 characters, a size not allowed; nothing stored', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      for (const body of [
        { prompt: '   ', width: 512, height: 512 },
        { prompt: 'x'.repeat(2001), width: 512, height: 512 },
        { prompt: 'ok', width: 520, height: 512 },
        { prompt: 'ok', width: 'wide', height: 512 },
        {},
      ]) {
        const res = await api().post('/api/prompts').set('Authorization', `Bearer ${token}`).send(body);
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
        expect(res.body).toMatchObject({
          statusCode: 400,
          error: 'Bad Request',
          message: expect.any(String),
        });
      }
      const mine = await api().get('/api/prompts').set('Authorization', `Bearer ${token}`);
      expect(mine.body.total).toBe(0);
    });

    it('413 as JSON beyond the body limit, even for a client that asks for HTML', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      const res = await api()
        .post('/api/prompts')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', HTML)
        .send({ prompt: 'x'.repeat(70 * 1024), width: 512, height: 512 });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toEqual({ statusCode: 413, message: expect.any(String), error: 'Payload Too Large' });
    });

    it('takes a picture as multipart with a bearer token; refuses a non-image with 400, storing nothing', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#aa3366' } })
        .png()
        .toBuffer();
      const sent = await api()
        .post('/api/prompts')
        .set('Authorization', `Bearer ${token}`)
        .field('prompt', 'from this picture')
        .field('width', '512')
        .field('height', '512')
        .attach('image', png, 'picture.png');
      expect(sent.status).toBe(201);
      expect(sent.body).toEqual({ id: expect.any(Number), status: 'pending' });
      const stored = await gateway.app.get(SuggestionQueries).findById(sent.body.id);
      expect(stored!.pictureFile).toMatch(/^[0-9a-f-]{36}\.png$/);

      const text = await api()
        .post('/api/prompts')
        .set('Authorization', `Bearer ${token}`)
        .field('prompt', 'not a picture')
        .field('width', '512')
        .field('height', '512')
        .attach('image', Buffer.from('just text\n'.repeat(100)), {
          filename: 'x.png',
          contentType: 'image/png',
        });
      expect(text.status).toBe(400);
      expect(text.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const mine = await api().get('/api/prompts').set('Authorization', `Bearer ${token}`);
      expect(mine.body.total).toBe(1);
    });

    it('429 once the pending limit is reached', async () => {
      const guest = await newGuest();
      const token = await createToken(guest.agent, guest.csrf);
      for (let i = 0; i < 5; i++) {
        const ok = await api()
          .post('/api/prompts')
          .set('Authorization', `Bearer ${token}`)
          .send({ prompt: `prompt ${i}`, width: 512, height: 512 });
        expect(ok.status).toBe(201);
      }
      const res = await api()
        .post('/api/prompts')
        .set('Authorization', `Bearer ${token}`)
        .send({ prompt: 'one too many', width: 512, height: 512 });
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    });
  });

  describe('GET /api/prompts', () => {
    it('lists only your own, filters by a validated status, and 404s for anyone else’s prompt', async () => {
      const alice = await newGuest();
      const bob = await newGuest();
      const aliceToken = await createToken(alice.agent, alice.csrf);
      const bobToken = await createToken(bob.agent, bob.csrf);
      const first = await party.submit(alice, 'alice one');
      const second = await party.submit(alice, 'alice two');
      const bobs = await party.submit(bob, 'bob one');
      await party.decide(first, 'deny');

      const all = await api().get('/api/prompts').set('Authorization', `Bearer ${aliceToken}`);
      expect(all.body.items.map((item: { id: number }) => item.id)).toEqual([second, first]);
      const denied = await api()
        .get('/api/prompts?status=denied')
        .set('Authorization', `Bearer ${aliceToken}`);
      expect(denied.body).toMatchObject({
        total: 1,
        items: [{ id: first, status: 'denied', prompt: 'alice one' }],
      });
      const paged = await api()
        .get('/api/prompts?limit=1&page=2')
        .set('Authorization', `Bearer ${aliceToken}`);
      expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1, items: [{ id: first }] });

      for (const query of ['status=lost', 'limit=0', 'limit=101', 'page=zero', 'page=100001']) {
        const bad = await api().get(`/api/prompts?${query}`).set('Authorization', `Bearer ${aliceToken}`);
        expect(bad.status, query).toBe(400);
        expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      }
      // A page whose offset SQLite cannot hold was a 500 (SQLITE_MISMATCH): it is bad input, a 400.
      for (const page of ['1e20', '100000000000000000000']) {
        const huge = await api()
          .get(`/api/prompts?page=${page}`)
          .set('Authorization', `Bearer ${aliceToken}`);
        expect(huge.status, page).toBe(400);
        expect(huge.body).toEqual({
          statusCode: 400,
          message: 'page can be at most 100000.',
          error: 'Bad Request',
        });
      }

      const one = await api().get(`/api/prompts/${second}`).set('Authorization', `Bearer ${aliceToken}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: second, prompt: 'alice two', status: 'pending', imageUrl: null });
      const notMine = await api().get(`/api/prompts/${bobs}`).set('Authorization', `Bearer ${aliceToken}`);
      expect(notMine.status).toBe(404);
      expect(notMine.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect((await api().get('/api/prompts/999999').set('Authorization', `Bearer ${bobToken}`)).status).toBe(
        404,
      );
    });

    it('unknown /api routes are a JSON 404, whatever the Accept header', async () => {
      const res = await api().get('/api/nothing-here').set('Accept', HTML);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('moderation through the API', () => {
    it('admin token approves (200), a second decision is 409, an unknown id 404; a guest token gets 403', async () => {
      const guest = await newGuest();
      const guestToken = await createToken(guest.agent, guest.csrf);
      const token = await adminToken();
      const id = await party.submit(guest, 'please approve me');

      const byGuest = await api()
        .post(`/api/prompts/${id}/approve`)
        .set('Authorization', `Bearer ${guestToken}`);
      expect(byGuest.status).toBe(403);
      expect(byGuest.body).toEqual({
        statusCode: 403,
        message: 'This needs the admin or moderator role.',
        error: 'Forbidden',
      });
      expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('pending');

      const approved = await api().post(`/api/prompts/${id}/approve`).set('Authorization', `Bearer ${token}`);
      expect(approved.status).toBe(200);
      expect(approved.body).toEqual({ id, status: 'approved' });
      const twice = await api().post(`/api/prompts/${id}/deny`).set('Authorization', `Bearer ${token}`);
      expect(twice.status).toBe(409);
      expect(twice.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      const unknown = await api().post('/api/prompts/999999/approve').set('Authorization', `Bearer ${token}`);
      expect(unknown.status).toBe(404);
      const badAction = await api().post(`/api/prompts/${id}/maybe`).set('Authorization', `Bearer ${token}`);
      expect(badAction.status).toBe(400);
    });

    it('a moderator token may deny but not register users', async () => {
      const moderator = await newGuest();
      await gateway.app.get(UsersRepository).setRole(await userIdOf(moderator), 'moderator');
      const token = await createToken(moderator.agent, moderator.csrf);
      const author = await newGuest();
      const id = await party.submit(author, 'a moderator will deny this');
      const denied = await api().post(`/api/prompts/${id}/deny`).set('Authorization', `Bearer ${token}`);
      expect(denied.status).toBe(200);
      expect(denied.body).toEqual({ id, status: 'denied' });
      const register = await api()
        .post('/api/register')
        .set('Authorization', `Bearer ${token}`)
        .send({ username: 'sneaky', email: 'sneaky@example.org' });
      expect(register.status).toBe(403);
      expect(register.body.message).toBe('This needs the admin role.');
      expect(await gateway.app.get(UsersRepository).findByUsernameOrEmail('sneaky')).toBeNull();
    });
  });

  describe('POST /api/register', () => {
    it('201 with an admin token; the password is stored as argon2id; 409 for a taken username or email', async () => {
      const token = await adminToken();
      const res = await api()
        .post('/api/register')
        .set('Authorization', `Bearer ${token}`)
        .send({ username: 'ada', email: 'Ada@Example.org', password: 'correct horse battery' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        username: 'ada',
        email: 'ada@example.org',
        role: 'member',
      });
      const stored = await gateway.app.get(UsersRepository).findById(res.body.id);
      expect(stored).toMatchObject({ username: 'ada', email: 'ada@example.org', role: 'member' });
      expect(stored!.passwordHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(res.body)).not.toContain('argon2');

      for (const body of [
        { username: 'ada', email: 'other@example.org' },
        { username: 'ada2', email: 'ADA@example.org' },
      ]) {
        const dup = await api().post('/api/register').set('Authorization', `Bearer ${token}`).send(body);
        expect(dup.status).toBe(409);
        expect(dup.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      }
      expect(await gateway.app.get(UsersRepository).findByUsernameOrEmail('ada2')).toBeNull();
    });

    it('201 without a password (the account waits for its invitation), from an admin session too', async () => {
      const host = await party.host();
      const res = await host.agent
        .post('/api/register')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', host.csrf)
        .send({ username: 'grace', email: 'grace@example.org' });
      expect(res.status).toBe(201);
      expect((await gateway.app.get(UsersRepository).findById(res.body.id))!.passwordHash).toBeNull();
      // Without a password, the member gets the same invitation mail as from the invite form (saved as a
      // file here, no SMTP server being set).
      const mailDir = join(gateway.config.outputDir, 'mail');
      const mail = await eventually(
        () =>
          existsSync(mailDir)
            ? readdirSync(mailDir).map((name) => readFileSync(join(mailDir, name), 'utf8'))
            : [],
        (mails) => mails.some((text) => text.includes('grace@example.org')),
        5000,
        "grace's invitation",
      );
      const invitation = mail.find((text) => text.includes('grace@example.org'))!;
      expect(invitation).toContain('Your invitation to Vernissage');
      expect(invitation.replace(/=\r?\n/g, '')).toMatch(/set-password\?token=(3D)?[A-Za-z0-9_-]+/);
    });

    it('400 for missing or invalid fields; 401 without auth; 403 for a guest token', async () => {
      const token = await adminToken();
      for (const body of [
        {},
        { username: 'bob' },
        { email: 'bob@example.org' },
        { username: 'b', email: 'bob@example.org' },
        { username: 'bob smith', email: 'bob@example.org' },
        { username: 'bob', email: 'not-an-email' },
        { username: 'bob', email: 'bob@example.org', password: 'short' },
        { username: 'bob', email: 'bob@example.org', password: 'x'.repeat(201) },
      ]) {
        const res = await api().post('/api/register').set('Authorization', `Bearer ${token}`).send(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      }
      expect(await gateway.app.get(UsersRepository).findByUsernameOrEmail('bob')).toBeNull();
      const anonymous = await api().post('/api/register').send({ username: 'bob', email: 'bob@example.org' });
      expect(anonymous.status).toBe(401);
      const guest = await newGuest();
      const guestToken = await createToken(guest.agent, guest.csrf);
      const asGuest = await api()
        .post('/api/register')
        .set('Authorization', `Bearer ${guestToken}`)
        .send({ username: 'bob', email: 'bob@example.org' });
      expect(asGuest.status).toBe(403);
    });
  });

  describe('OpenAPI', () => {
    it('serves the OpenAPI JSON listing every /api route, and the docs page', async () => {
      const res = await api().get('/api/docs-json');
      expect(res.status).toBe(200);
      const paths = Object.keys(res.body.paths).sort();
      expect(paths).toEqual([
        '/api/prompts',
        '/api/prompts/{id}',
        '/api/prompts/{id}/{action}',
        '/api/register',
      ]);
      expect(Object.keys(res.body.paths['/api/prompts']).sort()).toEqual(['get', 'post']);
      expect(Object.keys(res.body.paths['/api/register/'] ?? res.body.paths['/api/register'])).toEqual([
        'post',
      ]);
      expect(res.body.paths['/api/prompts'].post.responses).toHaveProperty('413');
      expect(Object.keys(res.body.components.securitySchemes).sort()).toEqual(['apiToken', 'sessionCookie']);

      const docs = await api().get('/api/docs').set('Accept', HTML);
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger-ui');
      expect(docs.headers['content-security-policy']).toMatch(/style-src 'self' 'unsafe-inline'/);
      const home = await api().get('/').set('Accept', HTML);
      expect(home.headers['content-security-policy']).not.toContain('unsafe-inline');
    });
  });
});
