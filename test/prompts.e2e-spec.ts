import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsService } from '../apps/gateway/src/settings/settings.service.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import {
  browser,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';

const JSON_TYPE = 'application/json';

describe('sending prompts (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let counter = 0;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '5', SUBMISSIONS_PER_MINUTE: '10' });
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  async function newGuest(): Promise<{ agent: Browser; csrf: string }> {
    const agent = browser(gateway.url, `Phone/prompts-${++counter}`);
    const { csrf } = await openHome(agent);
    return { agent, csrf };
  }

  async function storedCount(): Promise<number> {
    const counts = await gateway.app.get(SuggestionQueries).countByStatus();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  it('stores a valid prompt from the form and shows it as pending, newest first', async () => {
    const { agent, csrf } = await newGuest();
    const first = await agent
      .post('/prompts')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, prompt: '  a red fox in the snow  ', width: '512', height: '768' });
    expect(first.status).toBe(303);
    await agent
      .post('/prompts')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, prompt: 'second one', width: '512', height: '512' });
    const { html } = await openHome(agent);
    expect(html).toContain('Sent! Your prompt is waiting for the host.');
    const firstAt = html.indexOf('a red fox in the snow');
    const secondAt = html.indexOf('second one');
    expect(firstAt).toBeGreaterThan(0);
    expect(secondAt).toBeGreaterThan(0);
    expect(secondAt).toBeLessThan(firstAt);
    expect(html).toMatch(/status-pending">pending</);
    expect(html).toContain('512×768');
  });

  it('answers JSON clients with 201 and the stored prompt (trimmed)', async () => {
    const { agent, csrf } = await newGuest();
    const res = await agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ prompt: ' owl ', width: 1024, height: 1024 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ prompt: 'owl', width: 1024, height: 1024, status: 'pending' });
    expect(typeof res.body.id).toBe('number');
    expect(res.body.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('accepts exactly 2000 characters', async () => {
    const { agent, csrf } = await newGuest();
    const res = await agent
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'x'.repeat(2000), width: 512, height: 512 });
    expect(res.status).toBe(201);
  });

  it.each([
    ['an empty prompt', { prompt: '', width: 512, height: 512 }, /Write a prompt first/],
    ['a whitespace-only prompt', { prompt: ' \n\t ', width: 512, height: 512 }, /Write a prompt first/],
    ['2001 characters', { prompt: 'y'.repeat(2001), width: 512, height: 512 }, /at most 2000/],
    ['a missing prompt', { width: 512, height: 512 }, /Write a prompt first/],
    ['a size not allowed', { prompt: 'cat', width: 640, height: 512 }, /one of 512, 768, 1024/],
    ['a size that is not a number', { prompt: 'cat', width: 'big', height: 512 }, /whole number/],
    ['a size out of range', { prompt: 'cat', width: 4096, height: 512 }, /width/i],
    ['a prompt that is not text', { prompt: ['a', 'b'], width: 512, height: 512 }, /Prompt must be text/],
  ])('refuses %s with 400 and stores nothing', async (_name, body, message) => {
    const { agent, csrf } = await newGuest();
    const before = await storedCount();
    const res = await agent.post('/prompts').set('Accept', JSON_TYPE).set('x-csrf-token', csrf).send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toMatch(message);
    expect(await storedCount()).toBe(before);
  });

  it('shows a browser its refused prompt again on the form, with the reason beside it', async () => {
    const { agent, csrf } = await newGuest();
    const res = await agent
      .post('/prompts')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, prompt: '   ', width: '512', height: '768' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain(
      '<p class="field-error" id="prompt-error" role="alert">Write a prompt first.</p>',
    );
    expect(res.text).toMatch(/<textarea id="prompt" name="prompt"[^>]*aria-invalid="true"/);
    // The sizes chosen are kept too.
    expect(res.text).toMatch(/<select id="height" name="height">[\s\S]*?<option value="768" selected>/);
  });

  it('keeps the typed prompt when the pending limit refuses it (429), and escapes it', async () => {
    const { agent, csrf } = await newGuest();
    for (let i = 0; i < 5; i++) {
      const ok = await agent
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: `waiting ${i}`, width: 512, height: 512 });
      expect(ok.status).toBe(201);
    }
    const typed = 'a <b>sixth</b> idea I do not want to lose';
    const res = await agent
      .post('/prompts')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, prompt: typed, width: '512', height: '512' });
    expect(res.status).toBe(429);
    expect(res.text).toContain('You already have 5 prompts waiting for the host.');
    expect(res.text).toContain('>a &lt;b&gt;sixth&lt;/b&gt; idea I do not want to lose</textarea>');
    expect(res.text).not.toContain('<b>sixth</b>');
  });

  it('escapes script in prompts everywhere it is shown', async () => {
    const { agent, csrf } = await newGuest();
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    await agent.post('/prompts').set('x-csrf-token', csrf).send({ prompt: evil, width: 512, height: 512 });
    const { html } = await openHome(agent);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('refuses a submission without a CSRF token (403) and stores nothing', async () => {
    const { agent } = await newGuest();
    const before = await storedCount();
    const res = await agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .send({ prompt: 'no token', width: 512, height: 512 });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/security token/);
    const forged = await agent
      .post('/prompts')
      .set('x-csrf-token', 'f'.repeat(64))
      .send({ prompt: 'bad token', width: 512, height: 512 });
    expect(forged.status).toBe(403);
    expect(await storedCount()).toBe(before);
  });

  it('refuses a submission from someone without a session', async () => {
    const res = await request(gateway.url)
      .post('/prompts')
      .send({ prompt: 'ghost', width: 512, height: 512 });
    expect(res.status).toBe(403);
  });

  it('refuses oversized bodies with 413, as JSON and as a page', async () => {
    const { agent, csrf } = await newGuest();
    const huge = 'z'.repeat(100_000);
    const json = await agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ prompt: huge, width: 512, height: 512 });
    expect(json.status).toBe(413);
    expect(json.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    const page = await agent
      .post('/prompts')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: csrf, prompt: huge, width: '512', height: '512' });
    expect(page.status).toBe(413);
    expect(page.text).toContain('413');
  });

  it('refuses malformed JSON with 400', async () => {
    const { agent, csrf } = await newGuest();
    const res = await agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .set('Content-Type', 'application/json')
      .send('{"prompt": ');
    expect(res.status).toBe(400);
    expect(res.body.statusCode).toBe(400);
  });

  it('limits a guest to 5 pending prompts (429) and stores no sixth', async () => {
    const { agent, csrf } = await newGuest();
    for (let i = 0; i < 5; i++) {
      const ok = await agent
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: `p${i}`, width: 512, height: 512 });
      expect(ok.status).toBe(201);
    }
    const sixth = await agent
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'p6', width: 512, height: 512 });
    expect(sixth.status).toBe(429);
    expect(sixth.body.message).toMatch(/5 prompts waiting/);
  });

  it('rate-limits a guest to 10 submissions a minute', async () => {
    const { agent, csrf } = await newGuest();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      // Invalid prompts still count: the limit protects the server, not only the queue.
      const res = await agent
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: '', width: 512, height: 512 });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another guest on the same network is not affected.
    const other = await newGuest();
    const res = await other.agent
      .post('/prompts')
      .set('x-csrf-token', other.csrf)
      .send({ prompt: 'fine', width: 512, height: 512 });
    expect(res.status).toBe(201);
  });

  it('says submissions are closed and stores nothing while they are', async () => {
    const settings = gateway.app.get(SettingsService);
    const { agent, csrf } = await newGuest();
    await settings.update({ submissionsOpen: false });
    try {
      const before = await storedCount();
      const res = await agent
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: 'closed?', width: 512, height: 512 });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/closed/);
      expect(await storedCount()).toBe(before);
      const { html } = await openHome(agent);
      expect(html).toContain('Submissions are closed right now.');
      expect(html).not.toContain('action="/prompts?_csrf=');
    } finally {
      await settings.update({ submissionsOpen: true });
    }
  });

  it('refuses a banned guest with a clear message and stores nothing', async () => {
    const { agent, csrf } = await newGuest();
    const { html } = await openHome(agent);
    const userId = Number(/data-user-id="(\d+)"/.exec(html)?.[1]);
    expect(userId).toBeGreaterThan(0);
    await gateway.app.get(UsersRepository).setBanned(userId, true);
    const before = await storedCount();
    const res = await agent
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'let me in', width: 512, height: 512 });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/stopped you from sending prompts/);
    expect(await storedCount()).toBe(before);
    const page = await openHome(agent);
    expect(page.html).toContain('The host has stopped you from sending prompts.');
    expect(page.html).not.toContain('action="/prompts?_csrf=');
  });

  it('offers exactly the allowed sizes', async () => {
    const settings = gateway.app.get(SettingsService);
    await settings.update({ allowedSizes: [768, 256] });
    try {
      const { agent } = await newGuest();
      const { html } = await openHome(agent);
      const options = [...html.matchAll(/<option value="(\d+)"/g)].map((m) => Number(m[1]));
      expect(options).toEqual([256, 768, 256, 768]);
    } finally {
      await settings.update({ allowedSizes: [512, 768, 1024] });
    }
  });
});
